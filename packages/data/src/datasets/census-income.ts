/**
 * The column schema of the UCI Census-Income (KDD) files (census-income.data / census-income.test), set up
 * for the two tasks of the MMoE paper (Ma et al. 2018): income above $50k and never married.
 */
import type { ColumnSpec, TableSchema } from '../tabular.ts';

const NUMBER: ColumnSpec = { type: 'number' };
const CATEGORY: ColumnSpec = { type: 'category' };

/**
 * The 42 fields of a Census-Income (KDD) record, in file order (from the data set's census-income.names):
 * 7 continuous features, 32 nominal features, the instance weight (ignored, as the data set asks), marital
 * status (→ task `never_married`) and the income label (→ task `income`).
 */
export const CENSUS_INCOME_COLUMNS: readonly (readonly [string, ColumnSpec])[] = [
  ['age', NUMBER],
  ['class_of_worker', CATEGORY],
  ['industry_code', CATEGORY],
  ['occupation_code', CATEGORY],
  ['education', CATEGORY],
  ['wage_per_hour', NUMBER],
  ['enrolled_in_education', CATEGORY],
  [
    'marital_status',
    { type: 'category', role: 'target', task: 'never_married', positive: ['Never married'] },
  ],
  ['major_industry', CATEGORY],
  ['major_occupation', CATEGORY],
  ['race', CATEGORY],
  ['hispanic_origin', CATEGORY],
  ['sex', CATEGORY],
  ['union_member', CATEGORY],
  ['unemployment_reason', CATEGORY],
  ['employment_status', CATEGORY],
  ['capital_gains', NUMBER],
  ['capital_losses', NUMBER],
  ['stock_dividends', NUMBER],
  ['tax_filer_status', CATEGORY],
  ['previous_region', CATEGORY],
  ['previous_state', CATEGORY],
  ['household_family_status', CATEGORY],
  ['household_summary', CATEGORY],
  ['instance_weight', { type: 'number', role: 'ignore' }],
  ['migration_msa', CATEGORY],
  ['migration_region', CATEGORY],
  ['migration_within_region', CATEGORY],
  ['same_house_last_year', CATEGORY],
  ['migration_sunbelt', CATEGORY],
  ['employer_size', NUMBER],
  ['family_under_18', CATEGORY],
  ['father_birth_country', CATEGORY],
  ['mother_birth_country', CATEGORY],
  ['birth_country', CATEGORY],
  ['citizenship', CATEGORY],
  ['self_employed', CATEGORY],
  ['veteran_questionnaire', CATEGORY],
  ['veteran_benefits', CATEGORY],
  ['weeks_worked', NUMBER],
  ['year', CATEGORY],
  ['income', { type: 'category', role: 'target', task: 'income', positive: ['50000+.'] }],
];

/** The {@link TableSchema} of a Census-Income (KDD) file (tasks `income` and `never_married`). */
export function censusIncomeSchema(): TableSchema {
  return Object.fromEntries(CENSUS_INCOME_COLUMNS);
}
