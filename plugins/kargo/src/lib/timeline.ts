import { FreightView } from '@kargo-portal/plugin-kargo-common';

/** Where a freight stands in one stage. */
export interface CellMarks {
  current: boolean;
  wasIn: boolean;
  verified: boolean;
  approved: boolean;
}

/** The marks of a cell, from the freight's status (which includes every stage it has been in). */
export function cellMarks(freight: FreightView, stage: string): CellMarks {
  const current = freight.status.currentlyIn.includes(stage);
  return {
    current,
    wasIn: !current && Boolean(freight.status.previouslyIn?.includes(stage)),
    verified: Boolean(freight.status.verifiedIn[stage]),
    approved: Boolean(freight.status.approvedFor[stage]),
  };
}

/** How a cell reads aloud and in the selection: "current, verified", "never here". */
export function describeMarks(marks: CellMarks): string {
  const words = [
    marks.current && 'current',
    marks.wasIn && 'was here',
    marks.verified && 'verified',
    marks.approved && 'approved',
  ].filter(Boolean);
  return words.length > 0 ? words.join(', ') : 'never here';
}
