/** The loopback port picker of src (one implementation), under the path the test harnesses import. */
export { freePort } from "../../src/process/free-port.js";
