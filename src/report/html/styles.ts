/** The report's only stylesheet, inlined: the page must work offline, as one file, with no JS. */
export const REPORT_CSS = `
:root { --ok: #2e8540; --skip: #8fbf9a; --fail: #c62828; --cancel: #ef8c00; --interrupt: #7b1fa2; --run: #1e6bd6; --ink: #1d2330; --muted: #5c6575; --line: #d9dde5; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; padding: 24px 32px 48px; max-width: 1440px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
thead th { background: #f3f5f8; font-weight: 600; }
table.summary th { width: 160px; color: var(--muted); font-weight: 500; }
/* Step ids stay on one line (they read as one token); free text wraps, long paths anywhere, so the
   table fits its page and the last column (the error) is never pushed behind a scrollbar. */
#steps td:first-child code, #steps td:first-child { white-space: nowrap; word-break: normal; }
#steps td:last-child { overflow-wrap: anywhere; min-width: 10em; }
#steps .status { white-space: nowrap; }
code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f5f8; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
.state, .status, .decision, .check-status { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; background: #e8ebf0; }
.state.succeeded, .status.succeeded, .decision.approved, .check-status.pass { background: #dff1e3; color: var(--ok); }
.state.failed, .state.escalated, .state.timed-out, .status.failed, .decision.refused, .check-status.fail { background: #fbe3e3; color: var(--fail); }
.status.cancelled, .check-status.error, .state.awaiting-confirmation { background: #fff0d9; color: #9a5a00; }
.status.interrupted { background: #f1e3f6; color: var(--interrupt); }
.data-loss { color: var(--fail); }
.none, .waiting { color: var(--muted); }
.to-fill { background: #fff6c7; padding: 0 4px; font-style: italic; }
.chart { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
#timeline { display: block; max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
#timeline .row-bg { fill: transparent; }
#timeline .row-bg.odd { fill: rgba(20, 30, 60, 0.035); }
#timeline .step-label { fill: var(--ink); font-size: 12px; }
#timeline .tick line { stroke: #e3e6ec; }
#timeline .tick text, #timeline .y-label, #timeline .legend { fill: var(--muted); }
#timeline .baseline { stroke: #9aa3b2; }
#timeline .attempt { stroke: rgba(0,0,0,.25); stroke-width: .5; }
#timeline .attempt.succeeded { fill: var(--ok); }
#timeline .attempt.skipped { fill: var(--skip); }
#timeline .attempt.failed { fill: var(--fail); }
#timeline .attempt.cancelled { fill: var(--cancel); }
#timeline .attempt.interrupted { fill: var(--interrupt); }
#timeline .attempt.running { fill: var(--run); }
#timeline .retry-wait { stroke: var(--fail); stroke-dasharray: 3 3; }
#timeline .marker line { stroke-width: 1.5; stroke-dasharray: 4 2; }
#timeline .marker-label { font-weight: 600; }
#timeline .marker.escalation line { stroke: var(--fail); } #timeline .marker.escalation text { fill: var(--fail); }
#timeline .marker.deadline line { stroke: #9a5a00; } #timeline .marker.deadline text, #timeline .off-chart { fill: #9a5a00; }
#timeline .marker.resume line { stroke: var(--interrupt); } #timeline .marker.resume text { fill: var(--interrupt); }
#timeline .marker.interrupted line { stroke: var(--interrupt); stroke-dasharray: none; stroke-width: 2; } #timeline .marker.interrupted text { fill: var(--interrupt); }
#timeline .marker.finished line { stroke: #5c6575; } #timeline .marker.finished text { fill: #5c6575; }
#timeline .marker.gate-wait .span { fill: rgba(239,140,0,.14); } #timeline .marker.gate-wait text { fill: #9a5a00; }
#timeline .marker.emergency .span { fill: rgba(198,40,40,.12); } #timeline .marker.emergency text { fill: var(--fail); }
#timeline .check { stroke: #fff; } #timeline .check.pass { fill: var(--ok); } #timeline .check.fail { fill: var(--fail); } #timeline .check.error { fill: var(--cancel); }
#timeline .frame { fill: #fbfcfd; stroke: var(--line); }
#timeline .threshold { stroke: var(--fail); stroke-dasharray: 5 3; fill: none; }
#timeline .error-rate { stroke: var(--run); stroke-width: 1.5; fill: none; }
#timeline .sample { fill: var(--run); } #timeline .sample.over { fill: var(--fail); } #timeline .sample.aborted { stroke: var(--ink); stroke-width: 1.5; } #timeline .sample.blind { fill: none; stroke: var(--ink); stroke-dasharray: 2 2; }
.legend-row { display: flex; flex-wrap: wrap; gap: 12px; margin: 6px 0 0; color: var(--muted); font-size: 12px; }
.legend-row i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
ol.journal { font: 12px/1.5 ui-monospace, Menlo, Consolas, monospace; padding-left: 22px; }
ol.journal .offset { color: var(--muted); } ol.journal .event-type { font-weight: 600; }
dl.escalation { display: grid; grid-template-columns: 160px 1fr; gap: 4px 12px; } dl.escalation dt { color: var(--muted); } dl.escalation dd { margin: 0; }
@media print { body { padding: 0; } .chart { border: none; } }
`;
