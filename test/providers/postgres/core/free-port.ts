/** The shared loopback port picker, under the name these tests use. */
export { freePort as freePortFor } from "../../../support/free-port.js";
