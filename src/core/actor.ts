/**
 * Who made a change, and through which channel. The journal and the checkpoint audit name a
 * person on a channel as `NAME@CHANNEL` (otto@serve for a serve token, otto@cli for the CLI);
 * serve.fourEyes compares the NAME, so one person cannot pass it by requesting through the CLI
 * and approving through the API. Other identities (an alert trigger's `alert:NAME (...)`,
 * `backout watch (...)`) carry no channel and are nobody's person.
 */
export const CHANNELS = ["cli", "serve", "library"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Actor {
  /** The person (a serve token's name, the OS user or `--as NAME`, or what a library caller says). */
  name: string;
  via: Channel;
}

/** How the journal records an actor: `NAME@CHANNEL`. */
export function actorId(actor: Actor): string {
  return `${actor.name}@${actor.via}`;
}

const CHANNEL_SUFFIX = new RegExp(`^(.+)@(${CHANNELS.join("|")})$`);

/**
 * The person behind a journalled identity: without its channel (`otto@cli` and `otto@serve` are
 * both `otto`; `--as otto@serve` from the CLI, `otto@serve@cli`, too), case folded (`Otto` is `otto`).
 */
export function personOf(identity: string): string {
  let name = identity.trim();
  for (let m = CHANNEL_SUFFIX.exec(name); m?.[1] !== undefined; m = CHANNEL_SUFFIX.exec(name)) name = m[1];
  return name.toLowerCase();
}
