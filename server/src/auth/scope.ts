import { isWithin, type Principal, type RegionPath } from '@cityops/domain';
import type { RegionIndex, RegionNode } from '../regions/region-index.ts';
import { forbidden, notFound } from '../http/errors.ts';

/** The region a principal may see. */
export function principalScope(regions: RegionIndex, principal: Principal): RegionNode {
  const node = regions.get(principal.scopeCode);
  if (!node) throw forbidden('your account has no valid region');
  return node;
}

export function canSee(regions: RegionIndex, principal: Principal, path: RegionPath): boolean {
  return isWithin(path, principalScope(regions, principal).path);
}

/**
 * Resolve a requested scope code: it must exist and lie inside the principal's own region.
 * Unset means the principal's own region.
 */
export function resolveScope(
  regions: RegionIndex,
  principal: Principal,
  code: string | undefined,
): RegionNode {
  const own = principalScope(regions, principal);
  if (code === undefined || code === '') return own;
  const node = regions.get(code);
  if (!node) throw notFound(`region ${code}`);
  if (!isWithin(node.path, own.path)) throw forbidden(`region ${code} is outside your scope`);
  return node;
}
