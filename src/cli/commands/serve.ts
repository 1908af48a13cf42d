import { serve, type ServeOptions } from "../../serve/server.js";

export default function serveCommand(opts: ServeOptions): Promise<number> {
  return serve(opts);
}
