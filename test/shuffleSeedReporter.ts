import type { Vitest } from 'vitest/node';
import type { Reporter, TestRunEndReason } from 'vitest/reporters';

/**
 * Tests run in a shuffled order (`sequence.shuffle`): when a run fails, this says which seed gave
 * that order and how to run it again (vitest prints the seed when the run starts, far above).
 */
export class ShuffleSeedReporter implements Reporter {
  #seed: number | undefined;
  #shuffled = false;

  onInit(vitest: Vitest): void {
    this.#shuffled = Boolean(vitest.config.sequence.shuffle);
    this.#seed = vitest.config.sequence.seed;
  }

  onTestRunEnd(_modules: unknown, _errors: unknown, reason: TestRunEndReason): void {
    if (reason !== 'failed' || !this.#shuffled || this.#seed === undefined) return;
    process.stderr.write(
      `\nThe tests ran in shuffled order with seed ${this.#seed}. Run that order again with:\n` +
        `  pnpm vitest run --sequence.seed=${this.#seed}\n` +
        '(add --project NAME or test files to narrow it down; the same seed orders the tests within each file the same way)\n',
    );
  }
}
