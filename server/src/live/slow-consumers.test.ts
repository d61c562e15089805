import { describe, expect, it, vi } from 'vitest';
import type { LiveNamespace } from './hub.ts';
import { pendingBytes, SlowConsumers } from './slow-consumers.ts';

/** The shape of a socket.io socket over engine.io 6 + ws 8 that the watchdog reads. */
function fakeSocket(id: string) {
  const ws = { bufferedAmount: 0, terminate: vi.fn() };
  const socket = {
    id,
    rooms: new Set([id, 'r:city']),
    conn: {
      readyState: 'open',
      writeBuffer: [] as { data?: unknown; options?: { wsPreEncodedFrame?: Buffer[] } }[],
      transport: { name: 'websocket', socket: ws },
      close: vi.fn(),
    },
    emit: vi.fn(),
    disconnect: vi.fn(),
    leave(room: string) {
      this.rooms.delete(room);
    },
    join(room: string) {
      this.rooms.add(room);
    },
  };
  return { socket, ws };
}

function setup(limit = 1000, graceMs = 5000) {
  let now = 0;
  const sockets = new Map<string, ReturnType<typeof fakeSocket>['socket']>();
  const onSlow = vi.fn();
  const watch = new SlowConsumers({
    nsp: { sockets } as unknown as LiveNamespace,
    maxBacklogBytes: limit,
    graceMs,
    now: () => now,
    onSlow,
  });
  const add = (id: string) => {
    const f = fakeSocket(id);
    sockets.set(id, f.socket);
    return f;
  };
  return { watch, add, onSlow, advance: (ms: number) => (now += ms) };
}

describe('pendingBytes', () => {
  it('counts pre-encoded frames, plain packets (UTF-8) and what ws still buffers', () => {
    const { socket, ws } = fakeSocket('a');
    socket.conn.writeBuffer.push(
      { data: 'x', options: { wsPreEncodedFrame: [Buffer.alloc(2), Buffer.alloc(100)] } },
      { data: '下水道' },
    );
    ws.bufferedAmount = 50;
    expect(pendingBytes(socket as never)).toBe(102 + (1 + 9) + 50);
  });
});

describe('SlowConsumers', () => {
  it('leaves a socket alone while its backlog is within the limit', () => {
    const { watch, add, onSlow } = setup();
    const { socket, ws } = add('a');
    ws.bufferedAmount = 1000;
    watch.check();
    expect(socket.rooms.has('r:city')).toBe(true);
    expect(socket.emit).not.toHaveBeenCalled();
    expect(onSlow).not.toHaveBeenCalled();
  });

  it('over the limit: out of its rooms and told to resync once; drained, it is normal again', () => {
    const { watch, add, onSlow, advance } = setup();
    const { socket, ws } = add('a');
    const other = add('b');
    ws.bufferedAmount = 1001;
    watch.check();
    expect([...socket.rooms]).toEqual(['a']);
    expect(socket.emit).toHaveBeenCalledWith('resync', { reason: 'slow_consumer' });
    expect(onSlow).toHaveBeenCalledExactlyOnceWith('resync');
    expect(other.socket.rooms.has('r:city')).toBe(true);

    advance(1000);
    watch.check();
    expect(socket.emit).toHaveBeenCalledTimes(1);

    ws.bufferedAmount = 250;
    advance(10_000);
    watch.check();
    expect(ws.terminate).not.toHaveBeenCalled();
    // Subscribed again and slow again: a new cut-off, a new grace.
    socket.join('r:city');
    ws.bufferedAmount = 2000;
    watch.check();
    expect(socket.emit).toHaveBeenCalledTimes(2);
    expect(onSlow).toHaveBeenCalledTimes(2);
  });

  it('not drained to a quarter of the limit within the grace: the connection is cut', () => {
    const { watch, add, onSlow, advance } = setup(1000, 5000);
    const { socket, ws } = add('a');
    ws.bufferedAmount = 5000;
    watch.check();
    ws.bufferedAmount = 400;
    advance(4999);
    watch.check();
    expect(ws.terminate).not.toHaveBeenCalled();
    advance(1);
    watch.check();
    expect(ws.terminate).toHaveBeenCalledOnce();
    expect(onSlow).toHaveBeenLastCalledWith('disconnect');
    expect(socket.disconnect).not.toHaveBeenCalled();
  });

  it('re-subscribing while still over the limit is cut off again without a new grace', () => {
    const { watch, add, advance } = setup(1000, 5000);
    const { socket, ws } = add('a');
    ws.bufferedAmount = 5000;
    watch.check();
    socket.join('r:city');
    advance(3000);
    watch.check();
    expect(socket.rooms.has('r:city')).toBe(false);
    expect(socket.emit).toHaveBeenCalledTimes(2);
    advance(2000);
    watch.check();
    expect(ws.terminate).toHaveBeenCalledOnce();
  });

  it('a socket on another transport is closed through engine.io', () => {
    const { watch, add, advance } = setup(1000, 0);
    const { socket } = add('a');
    socket.conn.transport = { name: 'polling', socket: undefined as never };
    socket.conn.writeBuffer.push({ data: 'x'.repeat(2000) });
    watch.check();
    advance(1);
    watch.check();
    expect(socket.disconnect).toHaveBeenCalledWith(true);
    expect(socket.conn.close).toHaveBeenCalledWith(true);
  });
});
