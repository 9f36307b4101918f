/*
 * The `pm` scripting API and the legacy globals, written for this project, plus the host protocol
 * the Python side drives:
 *
 *   __pmHost.begin(input)     set up one script execution (scopes, request, response, info, ...)
 *   __pmHost.run(async function(){...})   the script, wrapped so its line numbers are kept and
 *                                          top-level await works
 *   __pmHost.pending()        what is still outstanding: pm.sendRequest calls and timers
 *   __pmHost.deliver(id, err, response) / __pmHost.fireTimer(id)   complete one of them
 *   __pmHost.finish()         collect assertions, variable scopes, the (mutated) request, logs
 *   __pmHost.start(input, fn) / __pmHost.settle()   begin+run, and pending-or-finish, in one call each
 *                             (what engine.py uses: every call from Python is a round trip between threads)
 *
 * pm.sendRequest callbacks therefore run after the script body, as in Postman, and the script
 * is not finished until every pending request and timer is done.
 */
var __pmHost = (function () {
  'use strict';

  var sdk = __pmSdk, determinism = __pmDeterminism, libs = __pmLibs;
  var chai = libs.load('chai'), lodash = libs.load('lodash');
  // the globals postman-sandbox sets per execution (legacy interface, execute-context.js)
  var LEGACY_NAMES = ['pm', 'postman', 'tests', 'globals', 'environment', 'data', 'request', 'responseCookies',
    'responseHeaders', 'responseTime', 'responseCode', 'responseBody', 'iteration', 'console', 'require',
    '_', 'CryptoJS', 'atob', 'btoa', 'tv4', 'xml2Json', 'Backbone', 'cheerio', 'setTimeout', 'clearTimeout',
    'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Buffer'];
  // uniscope runs a script as `Function(names..., code)`: its allowed globals, the legacy globals and the
  // imports are parameters, so a top-level `const`/`let` of one of them is a SyntaxError ("Identifier
  // 'responseCode' has already been declared"), as in Newman. `require` is not one (uniscope ignores it).
  var ALLOWED_GLOBALS = ['Array', 'ArrayBuffer', 'Atomics', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Boolean',
    'DataView', 'Date', 'Error', 'EvalError', 'Float32Array', 'Float64Array', 'Function', 'Infinity', 'Int16Array',
    'Int32Array', 'Int8Array', 'JSON', 'Map', 'Math', 'NaN', 'Number', 'Object', 'Promise', 'Proxy', 'RangeError',
    'ReferenceError', 'Reflect', 'RegExp', 'Set', 'SharedArrayBuffer', 'String', 'Symbol', 'SyntaxError',
    'TypeError', 'URIError', 'Uint16Array', 'Uint32Array', 'Uint8Array', 'Uint8ClampedArray', 'WeakMap', 'WeakSet',
    'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'isFinite', 'isNaN',
    'parseFloat', 'parseInt', 'undefined', 'unescape', 'bridge'];
  var PARAMS = ALLOWED_GLOBALS.concat(LEGACY_NAMES.filter(function (n) { return n !== 'require'; }));
  var UNSET = { unset: true };
  var baselineGlobals = null;
  var state = null;

  // ------------------------------------------------------------------ errors and logs
  function serializeError(err) {
    if (err === null || err === undefined) { return { name: 'Error', message: String(err) }; }
    if (typeof err !== 'object') { return { name: 'Error', message: String(err) }; }
    var out = { name: String(err.name || 'Error'), message: String(err.message === undefined ? err : err.message) };
    if (err.stack) {
      out.stack = String(err.stack);
      var m = new RegExp(state ? state.sourceName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + ':(\\d+):(\\d+)' : '$^').exec(out.stack);
      if (m) { out.line = parseInt(m[1], 10); out.column = parseInt(m[2], 10); }
    }
    return out;
  }

  function recordError(err) {
    if (state && !state.error) { state.error = serializeError(err); }
  }

  function guard(fn) {
    try {
      var result = fn();
      if (result && typeof result.then === 'function') { result.then(null, recordError); }
    } catch (err) { recordError(err); }
  }

  function formatArg(arg) {
    if (typeof arg === 'string') { return arg; }
    if (arg instanceof Error) { return arg.name + ': ' + arg.message; }
    if (arg === undefined) { return 'undefined'; }
    if (typeof arg === 'function') { return '[Function' + (arg.name ? ': ' + arg.name : '') + ']'; }
    if (arg !== null && typeof arg === 'object') {
      if (arg instanceof sdk.Response || arg instanceof sdk.Request) { arg = arg.toJSON(); }
      try { return JSON.stringify(arg); } catch (e) { return String(arg); }
    }
    return String(arg);
  }

  function makeConsole() {
    var c = {};
    ['log', 'info', 'warn', 'error', 'debug'].forEach(function (level) {
      c[level] = function () {
        if (!state) { return; }
        state.logs.push({ level: level, message: Array.prototype.map.call(arguments, formatArg).join(' ') });
      };
    });
    return c;
  }

  // ------------------------------------------------------------------ timers (driven by Python)
  function addTimer(fn, delay, args, repeat) {
    if (typeof fn !== 'function') { throw new TypeError('The "callback" argument must be of type function'); }
    var id = ++state.timerSeq;
    delay = Math.max(0, Number(delay) || 0);
    state.timers.push({ id: id, fn: fn, args: args, due: determinism.realNow() + delay, delay: delay, repeat: repeat });
    return id;
  }
  function removeTimer(id) {
    if (!state) { return; }
    state.timers = state.timers.filter(function (t) { return t.id !== id; });
  }

  // ------------------------------------------------------------------ dynamic variables in replaceIn
  var FALLBACK = {
    '$guid': function () { return libs.load('uuid').v4(); },
    '$randomUUID': function () { return libs.load('uuid').v4(); },
    '$timestamp': function () { return String(Math.floor(determinism.realNow() / 1000)); },
    '$isoTimestamp': function () { return new Date(determinism.realNow()).toISOString(); },
    '$randomInt': function () { return String(Math.floor(Math.random() * 1001)); }
  };
  var dynamicHost = {
    dynamic: function (name) {
      if (!state) { return undefined; }
      var pool = state.dynamicPool[name] || [];
      var used = state.dynamicUsed[name] || 0;
      if (used < pool.length) {
        state.dynamicUsed[name] = used + 1;
        return pool[used];
      }
      if (FALLBACK[name]) {
        var value = FALLBACK[name]();
        (state.dynamicExtra[name] = state.dynamicExtra[name] || []).push(value);
        return value;
      }
      return undefined;
    }
  };

  // ------------------------------------------------------------------ chai-postman assertions
  // As postman-sandbox does: chai.use(require('chai-postman')(sdk, _, Ajv)), with this project's
  // Request/Response classes; Ajv is in the lazily loaded bundle (engine.py loads it for jsonSchema).
  function isResponse(obj) { return obj instanceof sdk.Response; }
  function isRequest(obj) { return obj instanceof sdk.Request; }
  function LazyAjv(options) { var Ajv = libs.load('ajv'); return new Ajv(options); }
  chai.use(libs.load('chai-postman')({ Request: { isRequest: isRequest }, Response: { isResponse: isResponse } },
    lodash, LazyAjv));

  // postman-sandbox pmapi.js: `pm.response.to` / `pm.request.to` are `chai.expect(this).to`
  function attachAssertionHelpers(target) {
    Object.defineProperty(target, 'to', { get: function () { return chai.expect(this).to; }, configurable: true });
    return target;
  }

  // ------------------------------------------------------------------ pm
  // the browserify require() of postman-sandbox: the bundled libraries and Node polyfills, by name
  function makeRequire() {
    return function require(name) {
      if (typeof name !== 'string' || name.charAt(0) === '#' || !libs.has(name)) {
        throw new Error("Cannot find module '" + name + "'");
      }
      return libs.load(name);
    };
  }

  function legacyLibrary(name) { return libs.has(name) ? libs.load(name) : undefined; }

  /**
   * How Newman reports what a pm.test threw: an Error as itself; anything else (a string, a number,
   * null, a plain object) as an AssertionError whose message is the test's name, unless the thrown
   * value carries its own name/message (newman lib/run/index.js reads error.name and error.message
   * with those defaults).
   */
  function assertionError(err, testName) {
    if (err instanceof Error) { return serializeError(err); }
    var hasObject = err !== null && typeof err === 'object';
    var name = hasObject && err.name !== undefined ? String(err.name) : 'AssertionError';
    var message = hasObject && err.message !== undefined ? String(err.message) : String(testName);
    return { name: name, message: message };
  }

  // Newman reports a test when it completes (postman-sandbox's onAssertion): a `done` test after the
  // synchronous ones declared after it. `reported` keeps that order for finish().
  function makeTest(pm) {
    function fail(assertion, err) {
      assertion.passed = false;
      assertion.error = assertionError(err, assertion.name);
    }
    function report(assertion) {
      assertion.pending = false;
      assertion.reported = ++state.reportSeq;
    }
    var test = function (name, fn) {
      var assertion = { name: String(name), skipped: false, passed: true, error: null,
        index: state.assertions.length, pending: false };
      state.assertions.push(assertion);
      if (typeof fn !== 'function') { report(assertion); return pm; }
      try {
        if (fn.length > 0) {
          assertion.pending = true;
          fn(function done(err) {
            if (!assertion.pending) { return; }
            if (err) { fail(assertion, err); }
            report(assertion);
          });
        } else {
          var result = fn();
          if (result && typeof result.then === 'function') {
            assertion.pending = true;
            result.then(function () { report(assertion); },
              function (err) { fail(assertion, err); report(assertion); });
          } else {
            report(assertion);
          }
        }
      } catch (err) {
        fail(assertion, err);
        report(assertion);
      }
      return pm;
    };
    test.skip = function (name) {
      var assertion = { name: String(name), skipped: true, passed: true, error: null,
        index: state.assertions.length, pending: false };
      state.assertions.push(assertion);
      report(assertion);
      return pm;
    };
    test.index = function () { return state.assertions.length; };
    return test;
  }

  function sendRequest(pm) {
    return function (req, callback) {
      if (!req) {
        var err = new Error('sendrequest: nothing to request');
        if (typeof callback === 'function') { guard(function () { callback.call(pm, err); }); return pm; }
        return Promise.reject(err);
      }
      var json;
      if (req instanceof sdk.Request) { json = req.toJSON(); }
      else { json = new sdk.Request(req).toJSON(); }
      var entry = { id: ++state.requestSeq, request: json, callback: typeof callback === 'function' ? callback : null,
        done: false };
      state.outgoing.push(entry);
      if (entry.callback) { return pm; }
      return new Promise(function (resolve, reject) { entry.resolve = resolve; entry.reject = reject; });
    };
  }

  function legacyRequest(request, info) {
    var body = request.body, data = {};
    if (body && !body.isEmpty()) {
      if (body.mode === 'raw') { data = body.raw; }
      else if (body.mode === 'urlencoded' || body.mode === 'formdata') {
        body[body.mode].each(function (p) {
          if (p.disabled) { return; }
          if (Object.prototype.hasOwnProperty.call(data, p.key)) { data[p.key] = [].concat(data[p.key], p.value); }
          else { data[p.key] = p.value; }
        });
      }
    }
    return { id: info.requestId, name: info.requestName, description: request.description || undefined,
      headers: request.headers.toObject(true, false, true), method: request.method, url: request.url.toString(), data: data };
  }

  function makeLegacyPostman(pm, legacy, isTest) {
    function stringify(value) {
      if ((value === false || value) && typeof (value && value.toString) === 'function') { return value.toString(); }
      return value;
    }
    var postman = {
      setEnvironmentVariable: function (key, value) { value = stringify(value); legacy.environment[key] = value; pm.environment.set(key, value); },
      getEnvironmentVariable: function (key) { return pm.environment.get(key); },
      clearEnvironmentVariable: function (key) { if (key) { delete legacy.environment[key]; } pm.environment.unset(key); },
      clearEnvironmentVariables: function () { Object.keys(legacy.environment).forEach(function (k) { delete legacy.environment[k]; }); pm.environment.clear(); },
      setGlobalVariable: function (key, value) { value = stringify(value); legacy.globals[key] = value; pm.globals.set(key, value); },
      getGlobalVariable: function (key) { return pm.globals.get(key); },
      clearGlobalVariable: function (key) { if (key) { delete legacy.globals[key]; } pm.globals.unset(key); },
      clearGlobalVariables: function () { Object.keys(legacy.globals).forEach(function (k) { delete legacy.globals[k]; }); pm.globals.clear(); },
      setNextRequest: function (what) { state.nextRequest = what === undefined ? null : what; }
    };
    if (isTest) {
      postman.getResponseHeader = function (name) {
        var h = pm.response && pm.response.headers.one(name);
        return h ? h.value : undefined;
      };
      postman.getResponseCookie = function (name) { return pm.cookies ? pm.cookies.one(String(name)) : undefined; };
    }
    return postman;
  }

  function begin(input) {
    if (baselineGlobals === null) { baselineGlobals = Object.getOwnPropertyNames(globalThis); }
    determinism.begin(input.determinism);
    var scopes = input.scopes || {};
    state = {
      sourceName: input.sourceName || 'pm-script.js',
      assertions: [], logs: [], outgoing: [], timers: [], requestSeq: 0, timerSeq: 0, reportSeq: 0,
      nextRequest: UNSET, skipRequest: false, error: null,
      dynamicPool: input.dynamicPool || {}, dynamicUsed: {}, dynamicExtra: {},
      isTest: input.event === 'test'
    };
    var environment = new sdk.VariableScope(scopes.environment, { name: input.environmentName, host: dynamicHost });
    var globals = new sdk.VariableScope(scopes.globals, { host: dynamicHost });
    var collectionVariables = new sdk.VariableScope(scopes.collectionVariables, { host: dynamicHost });
    var iterationData = new sdk.VariableScope(scopes.iterationData, { host: dynamicHost });
    var local = new sdk.VariableScope(scopes.local, { host: dynamicHost });
    var harness = new sdk.VariableScope(scopes.harness, { host: dynamicHost });
    var dotenv = new sdk.VariableScope(scopes.dotenv, { host: dynamicHost });
    var variables = new sdk.ResolvingScope([iterationData, environment, collectionVariables, globals, harness, dotenv],
      local, dynamicHost);
    var request = attachAssertionHelpers(new sdk.Request(input.request || {}));
    // Test scripts always get a pm.response; after a request error it is an empty one (no code, no
    // status, no body), as in postman-sandbox, so `pm.response.to.have.status(200)` fails with
    // chai's message instead of a TypeError.
    var response = input.response ? attachAssertionHelpers(new sdk.Response(input.response))
      : (input.event === 'test' ? attachAssertionHelpers(sdk.Response.empty()) : undefined);
    var info = input.info || {};
    var location = (input.location || []).slice();
    location.current = input.current;

    var pm = {};
    var cookies = new sdk.PropertyList(input.cookies || []);
    cookies.jar = function () { throw new Error('pm.cookies.jar() is not supported by the harness sandbox'); };
    var readonly = {
      info: Object.freeze({ eventName: info.eventName, iteration: info.iteration, iterationCount: info.iterationCount,
        requestName: info.requestName, requestId: info.requestId }),
      globals: globals, environment: environment, collectionVariables: collectionVariables, variables: variables,
      iterationData: iterationData, request: request, response: response, cookies: cookies,
      visualizer: { set: function () {}, clear: function () {} },
      vault: {
        get: function () { return Promise.reject(new Error('pm.vault is not supported by the harness sandbox')); },
        set: function () { return Promise.reject(new Error('pm.vault is not supported by the harness sandbox')); },
        unset: function () { return Promise.reject(new Error('pm.vault is not supported by the harness sandbox')); }
      },
      execution: Object.freeze({
        setNextRequest: function (what) { state.nextRequest = what === undefined ? null : what; },
        skipRequest: function () { state.skipRequest = true; },
        location: location,
        runRequest: function () { return Promise.reject(new Error('pm.execution.runRequest is not supported by the harness sandbox')); }
      }),
      expect: chai.expect
    };
    Object.keys(readonly).forEach(function (key) {
      Object.defineProperty(pm, key, { value: readonly[key], writable: false, enumerable: true });
    });
    pm.sendRequest = sendRequest(pm);
    pm.test = makeTest(pm);
    pm.setNextRequest = readonly.execution.setNextRequest;
    state.pm = pm;
    state.scopes = { environment: environment, globals: globals, collectionVariables: collectionVariables, local: local };
    state.request = request;

    var legacy = {
      tests: {}, globals: globals.toObject(), environment: environment.toObject(), data: iterationData.toObject()
    };
    state.legacy = legacy;
    var g = globalThis;
    g.pm = pm;
    g.postman = makeLegacyPostman(pm, legacy, state.isTest);
    g.tests = legacy.tests;
    g.globals = legacy.globals;
    g.environment = legacy.environment;
    g.data = legacy.data;
    g.request = legacyRequest(request, info);
    g.iteration = info.iteration || 0;
    if (state.isTest) {
      g.responseCookies = cookies.all();
      g.responseHeaders = {};
      if (response) { response.headers.each(function (h) { g.responseHeaders[h.key] = h.value; }); }
      g.responseTime = response ? response.responseTime : NaN;
      g.responseCode = response ? response.details() : { code: NaN, name: '', detail: '' };
      g.responseBody = response ? response.text() : undefined;
    }
    g.console = makeConsole();
    g.require = makeRequire();
    g._ = legacyLibrary('#lodash3');
    g.CryptoJS = legacyLibrary('crypto-js');
    g.tv4 = legacyLibrary('tv4');
    g.xml2Json = legacyLibrary('#xml2Json');
    g.Backbone = legacyLibrary('backbone');
    g.cheerio = legacyLibrary('cheerio');
    g.atob = libs.load('atob');
    g.btoa = libs.load('btoa');
    g.Buffer = libs.load('buffer').Buffer;
    state.json = libs.load('json'); // the legacy interface's JSON is liquid-json (a parameter, not a global)
    g.setTimeout = function (fn, delay) { return addTimer(fn, delay, Array.prototype.slice.call(arguments, 2), false); };
    g.setInterval = function (fn, delay) { return addTimer(fn, delay, Array.prototype.slice.call(arguments, 2), true); };
    g.setImmediate = function (fn) { return addTimer(fn, 0, Array.prototype.slice.call(arguments, 1), false); };
    g.clearTimeout = removeTimer;
    g.clearInterval = removeTimer;
    g.clearImmediate = removeTimer;
    return true;
  }

  /** Run one script: ``fn`` is ``async function (PARAMS...) {code}`` (engine.py writes it). */
  function run(fn) {
    var args = PARAMS.map(function (name) { return name === 'JSON' ? state.json : globalThis[name]; });
    guard(function () { return fn.apply(undefined, args); });
  }

  /** begin(input), then run(fn); a failing begin() is returned (a host fault), the script's errors are recorded. */
  function start(input, fn) {
    try { begin(input); } catch (err) { return 'the sandbox failed to begin: ' + String((err && err.stack) || err); }
    run(fn);
    return '';
  }

  /** What pending() returns while something is outstanding, else ``{finished: finish()}``. */
  function settle() {
    var outstanding = pending();
    if (outstanding.requests.length || outstanding.timers.length) { return outstanding; }
    return { finished: finish() };
  }

  function pending() {
    if (!state) { return { requests: [], timers: [] }; }
    var now = determinism.realNow();
    return {
      requests: state.outgoing.filter(function (e) { return !e.done; }).map(function (e) { return { id: e.id, request: e.request }; }),
      timers: state.timers.slice().sort(function (a, b) { return a.due - b.due; })
        .map(function (t) { return { id: t.id, wait: Math.max(0, t.due - now) }; })
    };
  }

  function deliver(id, error, responseJson) {
    var entry = state.outgoing.find(function (e) { return e.id === id; });
    if (!entry || entry.done) { return false; }
    entry.done = true;
    var err = null;
    if (error) {
      err = new Error(error.message);
      Object.keys(error).forEach(function (k) { if (k !== 'message') { err[k] = error[k]; } });
    }
    var response = responseJson ? attachAssertionHelpers(new sdk.Response(responseJson)) : undefined;
    guard(function () {
      if (entry.callback) { return entry.callback.call(state.pm, err, err ? undefined : response, { cookies: [] }); }
      if (err) { entry.reject(err); } else { entry.resolve(response); }
      return undefined;
    });
    return true;
  }

  function fireTimer(id) {
    var timer = state.timers.find(function (t) { return t.id === id; });
    if (!timer) { return false; }
    if (timer.repeat) { timer.due = determinism.realNow() + timer.delay; }
    else { removeTimer(id); }
    guard(function () { return timer.fn.apply(undefined, timer.args); });
    return true;
  }

  /** postman-sandbox's message for a falsy ``tests["name"] = value``. */
  function legacyFailure(value) {
    var text;
    try { text = String(value); } catch (e) { text = Object.prototype.toString.call(value); }
    return 'expected ' + text + ' to be truthy';
  }

  function finish() {
    var s = state;
    var ordered = s.assertions.slice().sort(function (a, b) {
      return (a.reported || Infinity) - (b.reported || Infinity) || a.index - b.index;
    });
    var assertions = ordered.map(function (a) {
      if (a.pending) {
        return { name: a.name, skipped: false, passed: false, index: a.index,
          error: { name: 'Error', message: 'the test did not finish (done() was never called or its promise never settled)' } };
      }
      return { name: a.name, skipped: a.skipped, passed: a.passed, index: a.index, error: a.error };
    });
    Object.keys(s.legacy.tests).forEach(function (name) {
      var passed = Boolean(s.legacy.tests[name]);
      assertions.push({ name: name, skipped: false, passed: passed, index: assertions.length, legacy: true,
        error: passed ? null : { name: 'AssertionError', message: legacyFailure(s.legacy.tests[name]) } });
    });
    var request;
    try { request = s.request.toJSON(); } catch (err) { recordError(err); request = null; }
    var result = {
      assertions: assertions,
      scopes: {
        environment: s.scopes.environment.toObject(), globals: s.scopes.globals.toObject(),
        collectionVariables: s.scopes.collectionVariables.toObject(), local: s.scopes.local.toObject()
      },
      request: request,
      nextRequestSet: s.nextRequest !== UNSET,
      nextRequest: s.nextRequest === UNSET ? null : s.nextRequest,
      skipRequest: s.skipRequest,
      logs: s.logs,
      error: s.error,
      dynamicUsed: s.dynamicUsed,
      dynamicExtra: s.dynamicExtra,
      determinism: determinism.finish(),
      unfinished: s.outgoing.filter(function (e) { return !e.done; }).length + s.timers.length
    };
    // remove the per-execution globals and anything the script leaked onto the global object
    var keep = {};
    baselineGlobals.forEach(function (name) { keep[name] = true; });
    Object.getOwnPropertyNames(globalThis).forEach(function (name) {
      if (!keep[name] || LEGACY_NAMES.indexOf(name) >= 0) {
        try { delete globalThis[name]; } catch (e) { /* non-configurable */ }
      }
    });
    state = null;
    return result;
  }

  return { params: PARAMS, begin: begin, run: run, start: start, settle: settle, pending: pending, deliver: deliver,
    fireTimer: fireTimer, finish: finish };
})();
