/*
 * A clock and a random source for scripts that a cassette can replay.
 *
 * Scripts read the time (`Date.now()`, `new Date()`, `Date()`) to cache tokens until they expire
 * or to stamp records, and draw random numbers (`Math.random()`, `require('uuid').v4()`,
 * `_.random`). Replayed from a cassette, an item must make the same decisions and send the same
 * bodies as when it was recorded, so the Python side may hand each script:
 *
 *   { seed: n,                              Math.random() is a seeded PRNG (mulberry32)
 *     clock: { record: true }               Date reads are real and are returned by finish()
 *     clock: { replay: [ms, ...], last: ms } Date reads return the recorded values in order; when
 *                                            they run out, time goes on from the last one at real
 *                                            speed (a polling loop still ends) }
 *
 * Without options (no cassette) both are the real ones. The host's own timers use realNow(),
 * never the script clock.
 */
var __pmDeterminism = (function () {
  'use strict';

  var RealDate = Date;
  var realRandom = Math.random;
  var MAX_RECORDED_READS = 1000;
  var clock = null;
  var rng = null;

  function realNow() { return RealDate.now(); }

  function now() {
    if (!clock) { return realNow(); }
    var value;
    if (clock.replay) {
      if (clock.position < clock.replay.length) {
        value = clock.replay[clock.position++];
        clock.last = value;
      } else {
        if (clock.exhaustedAt === null) { clock.exhaustedAt = realNow(); }
        value = clock.last === null ? realNow() : clock.last + (realNow() - clock.exhaustedAt);
      }
    } else {
      value = realNow();
      if (clock.record && clock.reads.length < MAX_RECORDED_READS) { clock.reads.push(value); }
    }
    return value;
  }

  function mulberry32(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) | 0;
      var t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function PmDate() {
    if (!new.target) { return new RealDate(now()).toString(); }
    var args = Array.prototype.slice.call(arguments);
    return Reflect.construct(RealDate, args.length ? args : [now()], new.target);
  }
  PmDate.prototype = RealDate.prototype;
  PmDate.now = function now_() { return now(); };
  PmDate.parse = RealDate.parse;
  PmDate.UTC = RealDate.UTC;
  Object.defineProperty(PmDate, 'name', { value: 'Date' });
  Object.defineProperty(PmDate, 'length', { value: 7 });
  Object.defineProperty(RealDate.prototype, 'constructor', { value: PmDate, writable: true, configurable: true });

  function random() { return rng ? rng() : realRandom(); }

  function install() {
    globalThis.Date = PmDate;
    Math.random = random;
  }

  /** Set up one script execution (``options`` as described above, or null for the real ones). */
  function begin(options) {
    install();
    options = options || {};
    rng = typeof options.seed === 'number' ? mulberry32(options.seed) : null;
    var c = options.clock;
    if (c && Array.isArray(c.replay)) {
      clock = { replay: c.replay.slice(), position: 0, record: false, reads: [], exhaustedAt: null,
        last: typeof c.last === 'number' ? c.last : null };
    } else if (c && c.record) {
      clock = { replay: null, position: 0, record: true, reads: [], exhaustedAt: null, last: null };
    } else {
      clock = null;
    }
  }

  /** What the script used: the reads it made (recording) or how many recorded ones it consumed. */
  function finish() {
    var result = clock ? { reads: clock.reads, consumed: clock.position } : null;
    clock = null;
    rng = null;
    return result;
  }

  install();
  return { begin: begin, finish: finish, realNow: realNow };
})();
