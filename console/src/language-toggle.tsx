import { useI18n } from './i18n/index.js';

export function LanguageToggle() {
  const { t, language, setLanguage } = useI18n();
  return (
    <button type="button" className="language" aria-label={`${t('app.language')}: ${t('app.language.switch')}`} onClick={() => setLanguage(language === 'zh' ? 'en' : 'zh')}>
      {t('app.language.switch')}
    </button>
  );
}
