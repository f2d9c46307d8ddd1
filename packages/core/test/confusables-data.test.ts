import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('confusables-data', () => {
  it('is exactly what scripts/generate-confusables.mjs makes from the pinned unhomoglyph', async () => {
    const script = '../scripts/generate-confusables.mjs';
    const { renderModule } = (await import(script)) as { renderModule: () => string };
    const vendored = readFileSync(new URL('../src/confusables-data.ts', import.meta.url), 'utf8');
    expect(vendored).toBe(renderModule());
  });
});
