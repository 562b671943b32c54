import { PayoutList } from './payouts.js';

export default function RefundsPage() {
  return <PayoutList kind="refund" />;
}
