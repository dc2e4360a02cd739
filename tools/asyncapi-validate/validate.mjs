// Validates an AsyncAPI document with the official parser (@asyncapi/parser).
// Usage: node validate.mjs <file>   Prints every diagnostic; exits 1 on any error-level one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.mjs <asyncapi file>');
  process.exit(2);
}

const severityName = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
};

let source;
try {
  source = await readFile(file, 'utf8');
} catch (err) {
  console.error(`cannot read ${file}: ${err.message}`);
  process.exit(2);
}

const parser = new Parser();
const { document, diagnostics } = await parser.parse(source, { source: path.resolve(file) });
let errors = 0;
for (const d of diagnostics) {
  const where = d.path && d.path.length ? d.path.join('.') : '(document)';
  const severity = severityName[d.severity] ?? String(d.severity);
  if (d.severity === DiagnosticSeverity.Error) errors += 1;
  console.log(`${severity}\t${d.code}\t${where}\t${d.message}`);
}
if (document === undefined || errors > 0) {
  console.log(`INVALID: ${errors} error(s) in ${file}`);
  process.exit(1);
}
console.log(
  `VALID: AsyncAPI ${document.version()} with ${document.channels().length} channels, ` +
    `${document.operations().length} operations, ${document.messages().length} messages`,
);
