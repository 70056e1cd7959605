// Password hashing (argon2id, memory-hard) and API tokens (random, stored as SHA-256).
import crypto from 'node:crypto';
import argon2 from 'argon2';

export async function hashPassword(password: string, memoryCost: number): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost: 2, parallelism: 1 });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export function newToken(): { token: string; hash: string } {
  const token = crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function generatePassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}
