/** The bus's retained set towards a broker that (re)connects: what it should hold, and what it should no longer hold. */
import { describe, expect, it } from 'vitest';
import { createLogger, setLogLevel } from '../../../src/log.js';
import { MqttBus, type Payload, type Sink } from '../../../src/mqtt/bus.js';

class RecordingSink implements Sink {
  readonly name = 'external';
  connected = false;
  readonly sent: Array<[string, string]> = [];
  publish(topic: string, payload: Payload): void {
    this.sent.push([topic, payload.toString()]);
  }
}

function rig(): { bus: MqttBus; sink: RecordingSink } {
  setLogLevel('error');
  const bus = new MqttBus(createLogger('test'));
  const sink = new RecordingSink();
  bus.addSink(sink);
  return { bus, sink };
}

describe('MqttBus replay to a sink that connects', () => {
  it('empties the topics cleared while it was away (an earlier run may have left them there)', () => {
    const { bus, sink } = rig();
    bus.publish('media/a/state', '{"a":1}', { retain: true, qos: 1 });
    bus.clear('media/old/state');
    expect(sink.sent).toEqual([]);
    sink.connected = true;
    bus.replay(sink);
    expect(sink.sent).toEqual([
      ['media/a/state', '{"a":1}'],
      ['media/old/state', ''],
    ]);
  });

  it('a topic published again after its clear is replayed with its payload, not emptied', () => {
    const { bus, sink } = rig();
    bus.clear('media/x/state');
    bus.publish('media/x/state', '{"x":2}', { retain: true, qos: 1 });
    sink.connected = true;
    bus.replay(sink);
    expect(sink.sent).toEqual([['media/x/state', '{"x":2}']]);
  });

  it('a replay to every sink (Home Assistant came online) re-sends the retained set only', () => {
    const { bus, sink } = rig();
    sink.connected = true;
    bus.clear('media/old/state');
    bus.publish('media/a/state', '{"a":1}', { retain: true, qos: 1 });
    sink.sent.length = 0;
    bus.replay(null);
    expect(sink.sent).toEqual([['media/a/state', '{"a":1}']]);
  });
});
