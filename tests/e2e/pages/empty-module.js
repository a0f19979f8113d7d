// An empty module script: the benchmark's floor for a page that includes any script
// (tests/e2e/bench-prerender.mjs), beside the pre-rendered widget's page and its static twin.
