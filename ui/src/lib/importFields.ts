// How the import's mapping step names Holdfast's account fields and where a proposed mapping
// came from.
import type { AccountField, ProposalOrigin } from './bindings';

export const FIELD_LABELS: Record<AccountField, string> = {
  external_id: 'External id',
  name: 'Name',
  contact_name: 'Contact name',
  email: 'E-mail',
  phone: 'Phone',
  preferred_channel: 'Preferred channel',
  tier: 'Tier',
  hosting_server: 'Hosting server',
  plan: 'Plan',
  mrr: 'MRR',
  currency: 'Currency',
  customer_since: 'Customer since',
  total_collected: 'Total collected',
  accounts_receivable: 'Accounts receivable',
  original_sales_rep: 'Original sales rep',
  unpaid_invoices: 'Unpaid invoices',
  plan_price: 'Plan price',
  billing_period_start: 'Billing period start',
  billing_period_end: 'Billing period end',
  account_manager: 'Account manager',
};

export function describeOrigin(origin: ProposalOrigin): string {
  switch (origin.kind) {
    case 'holdfast':
      return "Holdfast's own account export";
    case 'saved':
      return `Suggested: your saved mapping “${origin.name}”`;
    case 'preset':
      return `Suggested: ${origin.name}`;
    case 'guessed':
      return 'Suggested from the headers and values (check each field)';
  }
}
