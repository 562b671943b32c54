import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The committed official ISO 20022 schemas (data/iso20022/README.md). */
export const XSD_DIR = path.join(import.meta.dirname, '../../data/iso20022/xsd');

export function xsdPath(message: string): string {
  return path.join(XSD_DIR, `${message}.xsd`);
}

/**
 * Validates an XML document against an official schema with `xmllint --noout --schema` (libxml2-utils;
 * .ci/run installs it). Returns xmllint's complaints, or '' when the document is valid.
 */
export function schemaErrors(message: string, xml: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-xmllint-'));
  const file = path.join(dir, 'document.xml');
  fs.writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--schema', xsdPath(message), file], { stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
    return '';
  } catch (error) {
    const failed = error as { stderr?: Buffer; message: string };
    return failed.stderr?.toString('utf8') || failed.message;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
