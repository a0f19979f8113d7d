// Types of dist/lead-qualifier.js (the loader). The shapes are defined beside the Rust
// exports (src/lib.rs) and generated into lead_qualifier.d.ts; `Handle.trace` is
// declared there only in the development build, dist/dev/.
export {
  mount,
  Handle,
  MountOptions,
  PlaybookSource,
  Trace,
  LqDetail,
  LqStepDetail,
  LqAnswerDetail,
  LqOutcomeDetail,
  LqSubmittedDetail,
  LqErrorDetail,
} from './lead_qualifier.js';

/**
 * Checks a playbook's JSON text: every problem as `path (id): message`, lint warnings
 * prefixed `warning: `, hints `hint: `. In the page build (dist/) it returns the one line
 * `(playbook): check() is in the development build, dev/lead-qualifier.js`.
 */
export function check(playbookJson: string): string[];

/** Runs a playbook's test cases: one `PASS …`/`FAIL …` line per case (dist/dev/ only; `[]` in dist/). */
export function runCases(playbookJson: string, casesJson: string): string[];

/** A test case that expects what the answers give now, as JSON text (dist/dev/ only; `''` in dist/). */
export function caseFrom(playbookJson: string, name: string, answersJson: string): string;

declare global {
  interface Window {
    LeadQualifier: {
      mount: typeof import('./lead_qualifier.js').mount;
      check: typeof check;
    };
  }
}
