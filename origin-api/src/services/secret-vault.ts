/**
 * Encrypts secret values at rest: AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV
 * per encryption. The additional authenticated data binds a ciphertext to its owner,
 * environment and name, so a row copied onto another variable fails to decrypt.
 * Plaintext values never leave through errors or logs: failures carry names only.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { BunbaseError } from "../../../core/index.ts";
import type { Sealed } from "../store/index.ts";

export interface SecretScope {
  /** A function id, or "project" for project-wide secrets. */
  owner: string;
  environment: string;
  name: string;
}

export class SecretVault {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error("the master key must be 32 bytes");
    this.key = Buffer.from(masterKey);
  }

  seal(plaintext: string, scope: SecretScope): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(aad(scope));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return { ciphertext, iv, tag: cipher.getAuthTag() };
  }

  open(sealed: Sealed, scope: SecretScope): string {
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, sealed.iv);
      decipher.setAAD(aad(scope));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new BunbaseError(
        "FN_004",
        `Secret ${scope.name} (${scope.environment}) could not be decrypted: wrong master key or tampered data`,
        {
          status: 500,
        },
      );
    }
  }
}

/** Length-prefixed parts, so ("a:b", "c") and ("a", "b:c") never share an AAD. */
function aad(scope: SecretScope): Buffer {
  return Buffer.from([scope.owner, scope.environment, scope.name].map((p) => `${p.length}:${p}`).join("|"), "utf8");
}
