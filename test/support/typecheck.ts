/**
 * Type-checks built JSON against TypeScript types with the TypeScript compiler: each value is
 * written into a module as an object literal `satisfies` its type, so a field the type does not
 * know is an error (excess property check), as is a missing or mistyped one. String enums of
 * @grafana/schema (ThresholdsMode …) are nominal in TypeScript, while the JSON holds their
 * values, so the checked type is `Json<T>`: T with every string enum widened to its values.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ts from 'typescript';

export interface Checked {
  /** An identifier for the exported constant. */
  readonly name: string;
  /** A type expression, in terms of the imports. */
  readonly type: string;
  readonly value: unknown;
}

export const JSON_TYPE = `type Json<T> = T extends string ? \`\${T}\` : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;`;

export interface TypeError {
  /** The checked value the error is in (undefined: the imports). */
  readonly name: string | undefined;
  readonly message: string;
}

/** Writes the module to `file` and returns the compiler's errors, each with the value it is in. */
export async function typecheck(file: string, imports: readonly string[], checked: readonly Checked[]): Promise<TypeError[]> {
  const lines = [...imports, JSON_TYPE];
  const starts: [number, string][] = [];
  for (const c of checked) {
    starts.push([lines.length, c.name]);
    lines.push(...`export const ${c.name} = ${JSON.stringify(c.value, null, 1)} satisfies Json<${c.type}>;`.split('\n'));
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, lines.join('\n'));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const name = starts.filter(([start]) => start <= line).at(-1)?.[1];
    return { name, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') };
  });
}
