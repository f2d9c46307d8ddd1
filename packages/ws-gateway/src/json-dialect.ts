import type { Dialect, RoomEvent } from '@chatgate/core';
import { type PreparedFrame, prepareFrame } from './prepared-frame.js';
import { encodeEvent } from './protocol.js';

/**
 * The WebSocket JSON wire format as a core Dialect: each event is serialised and framed once
 * and the same bytes go to every WebSocket member. Use the shared `jsonDialect` instance: the
 * room groups members by dialect object, so one instance means one encode per event.
 */
export class JsonDialect implements Dialect<PreparedFrame> {
  readonly name = 'json';

  encode(event: RoomEvent): PreparedFrame {
    return prepareFrame(encodeEvent(event));
  }
}

export const jsonDialect = new JsonDialect();
