// Types of dist/lead-qualifier.js (the loader; `check` and `Handle.trace` work in the
// development build, dist/dev/, only). The shapes are defined beside the Rust
// exports (src/web/mod.rs) and generated into lead_qualifier.d.ts.
export {
  mount,
  check,
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

declare global {
  interface Window {
    LeadQualifier: {
      mount: typeof import('./lead_qualifier.js').mount;
      check: typeof import('./lead_qualifier.js').check;
    };
  }
}
