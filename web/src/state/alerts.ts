// Active alerts, kept from ListActiveAlerts and the alert events of StreamEvents.
import type { Alert } from "../gen/aura/analytics/v1/analytics_pb";
import { AlertState, EventType, type StreamEventsResponse } from "../gen/aura/analytics/v1/analytics_pb";
import type { BroadcastMessage } from "../gen/aura/admin/v1/admin_pb";
import { timestampMs } from "@bufbuild/protobuf/wkt";

export class AlertStore {
  readonly active = new Map<string, Alert>();
  version = 0;

  /** Replace the list (after a (re)connect or a MISSED notice). */
  reset(alerts: Alert[]): void {
    this.active.clear();
    for (const a of alerts) if (a.state !== AlertState.CLEARED) this.active.set(a.alertId, a);
    this.version++;
  }

  put(alert: Alert): void {
    if (alert.state === AlertState.CLEARED) this.active.delete(alert.alertId);
    else this.active.set(alert.alertId, alert);
    this.version++;
  }

  /** Newest first. */
  list(): Alert[] {
    const raised = (a: Alert) => (a.raisedAt ? timestampMs(a.raisedAt) : 0);
    return [...this.active.values()].sort((a, b) => raised(b) - raised(a));
  }
}

export interface Banner {
  id: string;
  text: string;
  severity: number;
  sender: string;
  expiresAtMs: number;
}

export class BannerStore {
  private readonly banners = new Map<string, Banner>();
  version = 0;
  constructor(private readonly now: () => number = Date.now) {}

  add(msg: BroadcastMessage): void {
    const expires = msg.expiresAt ? timestampMs(msg.expiresAt) : this.now() + 300_000;
    this.banners.set(msg.broadcastId, {
      id: msg.broadcastId,
      text: msg.text,
      severity: msg.severity,
      sender: msg.sender,
      expiresAtMs: expires,
    });
    this.version++;
  }

  dismiss(id: string): void {
    if (this.banners.delete(id)) this.version++;
  }

  /** Banners not yet expired, newest last; expired ones are dropped. */
  current(): Banner[] {
    const now = this.now();
    for (const [id, b] of this.banners) if (b.expiresAtMs <= now) this.banners.delete(id);
    return [...this.banners.values()];
  }
}

/** Routes one StreamEvents event to the stores; returns true for MISSED (caller re-reads). */
export function applyEvent(
  ev: StreamEventsResponse,
  alerts: AlertStore,
  banners: BannerStore,
  onOther: (ev: StreamEventsResponse) => void,
): boolean {
  const p = ev.payload;
  switch (p.case) {
    case "alertRaised":
    case "alertAcknowledged":
    case "alertCleared":
      alerts.put(p.value);
      return false;
    case "adminBroadcast":
      banners.add(p.value);
      return false;
    case "missedEvents":
      return true;
    default:
      if (ev.type !== EventType.HEARTBEAT) onOther(ev);
      return false;
  }
}
