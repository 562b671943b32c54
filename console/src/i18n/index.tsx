import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en.js';
import { zh } from './zh.js';

export type Language = 'zh' | 'en';
export type { MessageKey };

const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { zh, en };
const LANGUAGE_STORAGE = 'daikou.language';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t: Translate;
}

const I18nContext = createContext<I18n | null>(null);

export function translate(language: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  return DICTIONARIES[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

function initialLanguage(): Language {
  // Kept in session storage like the key: the console writes nothing that outlives the tab.
  const stored = window.sessionStorage.getItem(LANGUAGE_STORAGE);
  if (stored === 'zh' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const value = useMemo<I18n>(() => {
    document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
    return {
      language,
      setLanguage(next) {
        window.sessionStorage.setItem(LANGUAGE_STORAGE, next);
        setLanguageState(next);
      },
      t: (key, values) => translate(language, key, values),
    };
  }, [language]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === null) throw new Error('useI18n outside I18nProvider');
  return value;
}
