// Kargo's UI offers named stage colors; most are CSS color names, these are not.
const kargoOnlyColors: Record<string, string> = {
  amber: '#ffbf00',
  ultramarine: '#3f00ff',
};

/** The CSS color of a stage's `kargo.akuity.io/color` annotation, or undefined when it names no color. */
export function stageColor(color: string | undefined): string | undefined {
  if (!color) return undefined;
  const name = color.trim().toLowerCase();
  if (kargoOnlyColors[name]) return kargoOnlyColors[name];
  if (typeof CSS !== 'undefined' && CSS.supports?.('color', color)) {
    return color;
  }
  return /^#[0-9a-f]{3,8}$/i.test(name) || /^[a-z]+$/.test(name)
    ? color
    : undefined;
}
