import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { MessageKey } from './i18n/index.js';
import type { Role } from './session.js';

export interface PageProps {
  params: Record<string, string>;
}

export interface Route {
  /** `/debits/:id`: a `:name` part is passed to the page as `params.name`. */
  path: string;
  page: LazyExoticComponent<ComponentType<PageProps>>;
  /** In the navigation bar under this label; detail pages have none. */
  label?: MessageKey;
  /** Who sees it in the navigation (default: everyone). */
  roles?: readonly Role[];
}

/**
 * Every page of the console, one line each, in the navigation's order. Each page is its own
 * chunk (`React.lazy`), so the first load is the shell alone (test/console/bundle-size.test.ts).
 */
export const ROUTES: readonly Route[] = [
  { path: '/', label: 'nav.overview', page: lazy(() => import('./pages/overview.js')) },
  { path: '/debits', label: 'nav.debits', page: lazy(() => import('./pages/debits.js')) },
  { path: '/debits/:id', page: lazy(() => import('./pages/debit-detail.js')) },
  { path: '/payouts', label: 'nav.payouts', page: lazy(() => import('./pages/payouts.js')) },
  { path: '/payouts/:id', page: lazy(() => import('./pages/payout-detail.js')) },
  { path: '/refunds', label: 'nav.refunds', page: lazy(() => import('./pages/refunds.js')) },
  { path: '/mandates', label: 'nav.mandates', page: lazy(() => import('./pages/mandates.js')) },
  { path: '/mandates/:id', page: lazy(() => import('./pages/mandate-detail.js')) },
  { path: '/batches', label: 'nav.batches', page: lazy(() => import('./pages/batches.js')) },
  { path: '/batches/:id', page: lazy(() => import('./pages/batch-detail.js')) },
  { path: '/settlement', label: 'nav.settlement', page: lazy(() => import('./pages/settlement.js')) },
  { path: '/webhooks', label: 'nav.webhooks', page: lazy(() => import('./pages/webhooks.js')) },
  { path: '/webhooks/:id', page: lazy(() => import('./pages/webhook-detail.js')) },
  { path: '/events', label: 'nav.events', page: lazy(() => import('./pages/events.js')) },
  { path: '/channels', label: 'nav.channels', roles: ['operator'], page: lazy(() => import('./pages/channels.js')) },
  { path: '/rules/:id', roles: ['operator'], page: lazy(() => import('./pages/rule-detail.js')) },
  { path: '/what-if', label: 'nav.whatIf', roles: ['operator'], page: lazy(() => import('./pages/what-if.js')) },
  { path: '/reconciliation', label: 'nav.reconciliation', roles: ['operator'], page: lazy(() => import('./pages/reconciliation.js')) },
  { path: '/notices', label: 'nav.notices', page: lazy(() => import('./pages/notices.js')) },
  { path: '/notices/:id', page: lazy(() => import('./pages/notice-detail.js')) },
];
