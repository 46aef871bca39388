import fs from 'node:fs';
import path from 'node:path';
import { promotionTaskStepAlias } from './stepAlias';

interface StepAliasVectors {
  cases: Array<{ taskAlias: string; stepAlias: string; expected: string }>;
}

const vectors: StepAliasVectors = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../test-vectors/kargo/03-freight-naming/promotion-task-step-alias.json',
    ),
    'utf8',
  ),
);

describe('promotionTaskStepAlias', () => {
  it('has vectors to check', () => {
    expect(vectors.cases.length).toBeGreaterThan(0);
  });

  it.each(vectors.cases)(
    'joins "$taskAlias" and "$stepAlias" as "$expected"',
    ({ taskAlias, stepAlias, expected }) => {
      expect(promotionTaskStepAlias(taskAlias, stepAlias)).toBe(expected);
    },
  );
});
