/** The standalone HTML report of a rollback (inline CSS and SVG timeline, no script). */
export { renderHtmlReport } from "./render-html-report.js";
