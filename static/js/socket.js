// A WebSocket that comes back by itself. Reconnects with jittered exponential back-off (so a
// restarted server is not hit by every client at once), and treats a silent line as dead: the
// server sends a heartbeat every 25 s, so 60 s of silence means reconnect.
const REFUSED = new Set([4401, 4403]);
const SILENCE_MS = 60000;
const MAX_DELAY_MS = 30000;

export class LiveSocket {
  constructor(path, { query = () => "", onOpen = () => {}, onMessage = () => {}, onState = () => {} } = {}) {
    Object.assign(this, { path, query, onOpen, onMessage, onState, attempt: 0, ws: null });
    window.addEventListener("online", () => this.reconnectNow());
    this.connect();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${this.path}${this.query()}`;
  }

  connect() {
    clearTimeout(this.timer);
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.watch();
      this.onState("online");
      this.onOpen(this);
    });
    ws.addEventListener("message", (event) => {
      this.watch();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onMessage(frame, this);
    });
    ws.addEventListener("close", (event) => {
      clearTimeout(this.watchdog);
      if (this.ws !== ws) return;
      if (REFUSED.has(event.code)) {
        this.onState("refused");
        return;
      }
      this.onState("offline");
      this.retry();
    });
  }

  retry() {
    const ceiling = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), ceiling / 2 + Math.random() * (ceiling / 2));
  }

  reconnectNow() {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    this.attempt = 0;
    this.connect();
  }

  watch() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.ws && this.ws.close(), SILENCE_MS);
  }

  get isOpen() {
    return Boolean(this.ws) && this.ws.readyState === WebSocket.OPEN;
  }

  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }
}
