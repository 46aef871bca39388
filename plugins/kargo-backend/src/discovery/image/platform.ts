/** An image platform a subscription asks for: `os/arch[/variant]` (Kargo pkg/image/platform_constraint.go). */
export interface PlatformConstraint {
  os: string;
  arch: string;
  /** "" when the constraint names none. */
  variant: string;
}

/**
 * Parses `os/arch` or `os/arch/variant` the way Kargo does: split on "/" into at most three parts, of which
 * at least two are required (anything after the second "/" is the variant).
 */
export function parsePlatformConstraint(text: string): PlatformConstraint {
  const slash = text.indexOf('/');
  if (slash < 0) {
    throw new Error(
      `error parsing platform constraint "${text}": expected <os>/<arch>[/<variant>]`,
    );
  }
  const second = text.indexOf('/', slash + 1);
  return {
    os: text.slice(0, slash),
    arch: second < 0 ? text.slice(slash + 1) : text.slice(slash + 1, second),
    variant: second < 0 ? '' : text.slice(second + 1),
  };
}

export function formatPlatformConstraint(platform: PlatformConstraint): string {
  const { os, arch, variant } = platform;
  return variant ? `${os}/${arch}/${variant}` : `${os}/${arch}`;
}

/** Exact match of all three parts; an image without a variant only matches a constraint without one. */
export function platformMatches(
  constraint: PlatformConstraint,
  platform: { os: string; arch: string; variant?: string },
): boolean {
  return (
    constraint.os === platform.os &&
    constraint.arch === platform.arch &&
    constraint.variant === (platform.variant ?? '')
  );
}
