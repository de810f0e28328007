// Which role the entered key has. The contracts have no "who am I" call, so the page asks
// two harmless questions and reads the answer codes (the auth interceptor checks the role
// before the service runs):
//   1. AdminService.ListApiKeys (admin only, not audited): OK means admin.
//   2. AnalyticsService.AcknowledgeAlert with an empty alert id (operator): PERMISSION_DENIED
//      means viewer; any other answer (INVALID_ARGUMENT, NOT_FOUND, UNIMPLEMENTED while
//      analytics is not built) means the role passed, i.e. operator. This call is audited
//      (a refused or rejected call leaves one audit entry), so the answer is kept for the
//      browser session and asked once per key.
import { Code, ConnectError } from "@connectrpc/connect";

export type Role = "unknown" | "viewer" | "operator" | "admin" | "invalid";

export interface RoleProbes {
  listApiKeys: () => Promise<unknown>;
  acknowledgeEmpty: () => Promise<unknown>;
}

function codeOf(err: unknown): Code {
  return err instanceof ConnectError ? err.code : Code.Unknown;
}

export async function detectRole(p: RoleProbes): Promise<Role> {
  try {
    await p.listApiKeys();
    return "admin";
  } catch (err) {
    const code = codeOf(err);
    if (code === Code.Unauthenticated) return "invalid";
    if (code !== Code.PermissionDenied) throw err;
  }
  try {
    await p.acknowledgeEmpty();
    return "operator";
  } catch (err) {
    const code = codeOf(err);
    if (code === Code.PermissionDenied) return "viewer";
    if (code === Code.Unauthenticated) return "invalid";
    if (code === Code.Unavailable || code === Code.Unknown || code === Code.Internal) throw err;
    return "operator";
  }
}

export function mayAcknowledge(role: Role): boolean {
  return role === "operator" || role === "admin";
}
