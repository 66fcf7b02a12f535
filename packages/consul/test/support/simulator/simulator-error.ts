/** An HTTP error answer, with the status and text Consul gives for the same failure. */
export class SimulatorHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
