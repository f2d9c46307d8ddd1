// A reconnecting client's resume request, checked the same way on every transport
// (docs/protocols.md, "Resume").

/**
 * What a reconnecting client sends: the resume token its last join gave it (to retake its name
 * at once) and the last `epoch`/`seq` it saw (to get exactly what it missed).
 */
export interface ResumeRequest {
  token?: string;
  since?: { epoch: string; seq: number };
}

const MAX_RESUME_FIELD_CHARS = 100;

/** A ResumeRequest from untrusted input `{token?, epoch?, seq?}`, or why it is malformed. */
export function parseResumeRequest(value: unknown): ResumeRequest | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return '"resume" must be an object.';
  }
  const { token, epoch, seq } = value as Record<string, unknown>;
  const out: ResumeRequest = {};
  if (token !== undefined) {
    if (typeof token !== 'string' || token.length > MAX_RESUME_FIELD_CHARS) {
      return '"resume.token" must be a string (at most 100 characters).';
    }
    out.token = token;
  }
  if (epoch !== undefined || seq !== undefined) {
    if (typeof epoch !== 'string' || epoch.length > MAX_RESUME_FIELD_CHARS) {
      return '"resume.epoch" must be a string (at most 100 characters).';
    }
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
      return '"resume.seq" must be a whole number >= 0.';
    }
    out.since = { epoch, seq };
  }
  return out;
}
