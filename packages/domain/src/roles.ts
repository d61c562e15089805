/** Who uses cityops; see DESIGN.md §1. */
export const ROLES = ['admin', 'leader', 'operator', 'dispatcher', 'department', 'field'] as const;
export type Role = (typeof ROLES)[number];

/** Read-only display token for an unattended wallboard (kiosk). */
export type Principal =
  | {
      kind: 'user';
      userId: number;
      username: string;
      /** The name people know them by ("张建国"), shown on boards and timelines. */
      displayName: string;
      role: Role;
      scopeCode: string;
      departmentCode: string | null;
      gridCode: string | null;
    }
  | { kind: 'display'; tokenId: number; scopeCode: string };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
