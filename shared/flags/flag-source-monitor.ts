/**
 * Whether the flag source is delivering. `connecting`: asked, nothing yet; `delivering`: it sent
 * flag data (and, for a stream, is still connected); `interrupted`: it stopped (a dropped or refused
 * stream, a flag file that cannot be read), and the instance serves the last flags it had.
 */
export type FlagSourceState = 'connecting' | 'delivering' | 'interrupted';

export interface FlagSourceHealth {
  readonly state: FlagSourceState;
  /** When it entered this state: the age of an interruption is measured from here. */
  readonly since: string;
  /** Why it is interrupted; null otherwise. */
  readonly reason: string | null;
}

/** Flag data the source sent that was refused because it is malformed, until good data replaces it. */
export interface RejectedFlagData {
  /** The latest refusal: what was wrong, and in which message. */
  readonly message: string;
  /** `stream put`, `stream patch`, `flag file`… */
  readonly source: string;
  /** When the first refusal still outstanding happened. */
  readonly since: string;
  /** Refused payloads since the last good data. */
  readonly count: number;
}

/**
 * What the instance knows of its flag source, fed by the guards on the stream and the flag file
 * (the SDK has no data-source status API) and read by `/readyz` and `npm run status`.
 */
export class FlagSourceMonitor {
  private health: { state: FlagSourceState; since: Date; reason: string | null };
  private rejected: { message: string; source: string; since: Date; count: number } | null = null;

  /**
   * @param onDelivered Called whenever good data arrives: the end of any incident (the runner resets
   *   the SDK log's repeat limiter with it, so the next failure's first line is written).
   */
  constructor(
    private readonly onDelivered: () => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.health = { state: 'connecting', since: now(), reason: null };
  }

  /** A stream opened again after an interruption: not delivering until its data arrives. */
  connecting(): void {
    if (this.health.state !== 'connecting')
      this.health = { state: 'connecting', since: this.now(), reason: null };
  }

  /** Good data arrived: the source delivers, and the refusals before it are over. */
  delivered(): void {
    if (this.health.state !== 'delivering')
      this.health = { state: 'delivering', since: this.now(), reason: null };
    this.rejected = null;
    this.onDelivered();
  }

  /** The source stopped; an interruption already under way keeps its start and takes the newer reason. */
  interrupted(reason: string): void {
    if (this.health.state === 'interrupted') this.health = { ...this.health, reason };
    else this.health = { state: 'interrupted', since: this.now(), reason };
  }

  /** Malformed data was refused; the last good flags stay in use. */
  rejectedData(source: string, message: string): void {
    this.rejected = {
      message,
      source,
      since: this.rejected?.since ?? this.now(),
      count: (this.rejected?.count ?? 0) + 1,
    };
  }

  source(): FlagSourceHealth {
    return { state: this.health.state, since: this.health.since.toISOString(), reason: this.health.reason };
  }

  rejectedDataState(): RejectedFlagData | null {
    return this.rejected && { ...this.rejected, since: this.rejected.since.toISOString() };
  }
}
