import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.ts';

const fast = { N: 1024, r: 8, p: 1 };

describe('device passwords', () => {
  it('verifies the password it hashed and nothing else', async () => {
    const hash = await hashPassword('s3cret', fast);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('s3cret', hash)).toBe(true);
    expect(await verifyPassword('s3cret ', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', fast)).not.toBe(await hashPassword('same', fast));
  });

  it.each(['', 'scrypt$', 'bcrypt$1$2$3$4$5', 'scrypt$0$8$1$AAAA$BBBB', 'scrypt$1024$8$1$$BBBB'])('refuses malformed hash %j', async (hash) => {
    expect(await verifyPassword('x', hash)).toBe(false);
  });
});
