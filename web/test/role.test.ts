import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { detectRole, mayAcknowledge } from "../src/state/role";

const ok = async () => ({});
const fail = (code: Code) => async () => {
  throw new ConnectError("x", code);
};

describe("detectRole", () => {
  it("reads the role from the answer codes", async () => {
    expect(await detectRole({ listApiKeys: ok, acknowledgeEmpty: fail(Code.InvalidArgument) })).toBe("admin");
    expect(await detectRole({ listApiKeys: fail(Code.PermissionDenied), acknowledgeEmpty: fail(Code.InvalidArgument) })).toBe("operator");
    // analytics not built yet: the role check passed, the service is missing
    expect(await detectRole({ listApiKeys: fail(Code.PermissionDenied), acknowledgeEmpty: fail(Code.Unimplemented) })).toBe("operator");
    expect(await detectRole({ listApiKeys: fail(Code.PermissionDenied), acknowledgeEmpty: fail(Code.PermissionDenied) })).toBe("viewer");
    expect(await detectRole({ listApiKeys: fail(Code.Unauthenticated), acknowledgeEmpty: ok })).toBe("invalid");
  });

  it("does not guess when the mesh cannot answer", async () => {
    await expect(detectRole({ listApiKeys: fail(Code.Unavailable), acknowledgeEmpty: ok })).rejects.toThrow();
    await expect(
      detectRole({ listApiKeys: fail(Code.PermissionDenied), acknowledgeEmpty: fail(Code.Unavailable) }),
    ).rejects.toThrow();
  });

  it("lets only operators and admins acknowledge", () => {
    expect(["viewer", "operator", "admin", "unknown", "invalid"].map((r) => mayAcknowledge(r as never))).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
  });
});
