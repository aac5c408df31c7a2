/**
 * A browser WebSocket that sends what is sent during one task as one message.
 *
 * mqtt.js answers every QoS 1 message with its own PUBACK, one `send()` each: during a
 * retained replay of 10,000 states that is 10,000 sends, each an IPC to Chromium's network
 * service, competing with the replay itself. MQTT over WebSocket allows several packets per
 * message, so the sends of one task are joined and leave at its end (a microtask).
 * Handed to mqtt.js through its `createWebsocket` option.
 */
export class BatchingWebSocket extends WebSocket {
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;

  override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (typeof data === 'string' || data instanceof Blob) {
      // Not what mqtt.js sends; keep the order by sending what is queued first.
      this.flush();
      super.send(data);
      return;
    }
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    // mqtt.js may reuse its buffers after send() returns: keep a copy.
    this.queued.push(bytes.slice());
    this.queuedBytes += bytes.byteLength;
    if (this.queued.length === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    if (this.queued.length === 0 || this.readyState !== WebSocket.OPEN) {
      this.queued = [];
      this.queuedBytes = 0;
      return;
    }
    let out: Uint8Array;
    if (this.queued.length === 1) out = this.queued[0]!;
    else {
      out = new Uint8Array(this.queuedBytes);
      let at = 0;
      for (const b of this.queued) {
        out.set(b, at);
        at += b.byteLength;
      }
    }
    this.queued = [];
    this.queuedBytes = 0;
    super.send(out);
  }
}
