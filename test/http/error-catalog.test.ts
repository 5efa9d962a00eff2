import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/config.ts';
import { loadContract } from '../../src/contract/contract.ts';
import { ADDED_ERROR_CODES, ERROR_STATUS, apiError } from '../../src/http/api-error.ts';

/** The codes the README's "Contract additions" says `ErrorCode` gains (its `ErrorCode` bullets). */
function documentedAdditions(): string[] {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## Contract additions$/m)[1]!.split(/^## /m)[0]!;
  const bullets = section.split(/^- /m).filter((b) => b.startsWith('`ErrorCode`'));
  return bullets.flatMap((b) => [...b.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]!));
}

describe('error catalog', () => {
  const enumCodes: string[] = loadContract().document.components.schemas.ErrorCode.enum;
  const catalog = Object.keys(ERROR_STATUS);
  const added: readonly string[] = ADDED_ERROR_CODES;

  it("has exactly the contract's ErrorCode enum: nothing missing, nothing extra", () => {
    expect(new Set(enumCodes).size, 'the enum lists a code twice').to.equal(enumCodes.length);
    expect([...catalog].sort()).to.deep.equal([...enumCodes].sort());
  });

  it("is the contract's original codes plus ADDED_ERROR_CODES, which the README documents", () => {
    expect(new Set(added).size, 'ADDED_ERROR_CODES lists a code twice').to.equal(added.length);
    expect(enumCodes).to.include.members([...added]);
    expect([...added].sort()).to.deep.equal(documentedAdditions().sort());
    const original = catalog.filter((c) => !added.includes(c));
    expect([...original, ...added].sort()).to.deep.equal([...enumCodes].sort());
  });

  it('gives every code an error status (400..599), and apiError() answers with it', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(status, code).to.be.within(400, 599);
      expect(apiError(code as keyof typeof ERROR_STATUS, 'x')).to.include({ code, status });
    }
  });
});
