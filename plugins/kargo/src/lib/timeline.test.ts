import { freight } from '../__testUtils__';
import { cellMarks, describeMarks } from './timeline';

describe('cellMarks', () => {
  const f = freight(2, {
    currentlyIn: ['dev'],
    previouslyIn: ['dev', 'staging'],
    verifiedIn: { dev: { verifiedAt: '2026-01-02T00:00:00Z' } },
    approvedFor: { prod: { approvedAt: '2026-01-03T00:00:00Z' } },
  });

  it.each([
    ['dev', { current: true, wasIn: false, verified: true, approved: false }],
    [
      'staging',
      { current: false, wasIn: true, verified: false, approved: false },
    ],
    ['prod', { current: false, wasIn: false, verified: false, approved: true }],
    ['qa', { current: false, wasIn: false, verified: false, approved: false }],
  ])('in %s', (stage, marks) => {
    expect(cellMarks(f, stage)).toEqual(marks);
  });

  it('reads no "was here" from a freight without previouslyIn', () => {
    expect(cellMarks(freight(1), 'dev').wasIn).toBe(false);
  });
});

describe('describeMarks', () => {
  it.each([
    [
      { current: true, wasIn: false, verified: true, approved: false },
      'current, verified',
    ],
    [
      { current: false, wasIn: true, verified: true, approved: true },
      'was here, verified, approved',
    ],
    [
      { current: false, wasIn: false, verified: false, approved: false },
      'never here',
    ],
  ])('%j -> %s', (marks, text) => {
    expect(describeMarks(marks)).toBe(text);
  });
});
