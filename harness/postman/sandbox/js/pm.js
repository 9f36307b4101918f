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
 *
 * pm.sendRequest callbacks therefore run after the script body, as in Postman, and the script
 * is not finished until every pending request and timer is done.
 */
var __pmHost = (function () {
  'use strict';

  var sdk = __pmSdk, chai = __pmChai, helpers = __pmHelpers, determinism = __pmDeterminism;
  var LEGACY_NAMES = ['pm', 'postman', 'tests', 'globals', 'environment', 'data', 'request', 'responseCookies',
    'responseHeaders', 'responseTime', 'responseCode', 'responseBody', 'iteration', 'console', 'require',
    '_', 'atob', 'btoa', 'xml2Json', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate',
    'Buffer'];
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
    '$guid': helpers.uuidv4,
    '$randomUUID': helpers.uuidv4,
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
  function isResponse(obj) { return obj instanceof sdk.Response; }
  function isRequest(obj) { return obj instanceof sdk.Request; }
  chai.isResponse = isResponse;
  var Assertion = chai.Assertion, flag = chai.flag;

  function requireResponse(assertion) { new Assertion(flag(assertion, 'object')).to.be.postmanResponse; }

  // chai-postman checks that the response has a numeric code before comparing it: a response that
  // never came (refused connection) fails with "expected PostmanResponse{ …(5) } to have property 'code'"
  function requireCode(assertion) {
    var obj = flag(assertion, 'object');
    new Assertion(obj).to.have.property('code');
    new Assertion(obj.code).to.be.a('number');
  }

  chai.addProperty('postmanResponse', function () {
    this.assert(isResponse(flag(this, 'object')), 'expecting a postman response object but got #{this}',
      'not expecting a postman response object');
  });
  chai.addProperty('postmanRequest', function () {
    this.assert(isRequest(flag(this, 'object')), 'expecting a postman request object but got #{this}',
      'not expecting a postman request object');
  });
  chai.addProperty('postmanRequestOrResponse', function () {
    var obj = flag(this, 'object');
    this.assert(isResponse(obj) || isRequest(obj), 'expecting a postman request or response object but got #{this}',
      'not expecting a postman request or response object');
  });

  var STATUS_CLASSES = { info: 1, success: 2, redirection: 3, clientError: 4, serverError: 5 };
  Object.keys(STATUS_CLASSES).forEach(function (name) {
    chai.addProperty(name, function () {
      requireResponse(this);
      requireCode(this);
      var code = flag(this, 'object').code;
      this.assert(Math.floor(code / 100) === STATUS_CLASSES[name], 'expected response code to be #{exp}XX but found #{act}',
        'expected response code to not be #{exp}XX', STATUS_CLASSES[name], code);
    });
  });
  chai.addMethod('statusCodeClass', function (classCode) {
    requireResponse(this);
    requireCode(this);
    var code = flag(this, 'object').code;
    this.assert(Math.floor(code / 100) === classCode, 'expected response code to be #{exp}XX but found #{act}',
      'expected response code to not be #{exp}XX', classCode, code);
  });
  chai.addProperty('error', function () {
    requireResponse(this);
    requireCode(this);
    var cls = Math.floor(flag(this, 'object').code / 100);
    this.assert(cls === 4 || cls === 5, 'expected response code to be 4XX or 5XX but found #{act}',
      'expected response code to not be 4XX or 5XX', null, flag(this, 'object').code);
  });

  function assertReasonAndCode(assertion, wantedReason, wantedCode) {
    var obj = flag(assertion, 'object');
    var actualReason = String(obj.reason()).toUpperCase();
    var actualCode = Number(obj.details().code);
    assertion.assert(actualReason === wantedReason, 'expected response to have status reason #{exp} but got #{act}',
      'expected response to not have status reason #{act}', wantedReason, actualReason);
    assertion.assert(actualCode === wantedCode, 'expected response to have status code #{exp} but got #{act}',
      'expected response to not have status code #{act}', wantedCode, actualCode);
  }
  var STATUS_NAMES = {
    accepted: [202, 'Accepted'], withoutContent: [204, 'No Content'], badRequest: [400, 'Bad Request'],
    unauthorised: [401, 'Unauthorised'], unauthorized: [401, 'Unauthorized'], forbidden: [403, 'Forbidden'],
    notFound: [404, 'Not Found'], notAcceptable: [406, 'Acceptable'], rateLimited: [429, 'Too Many Requests']
  };
  Object.keys(STATUS_NAMES).forEach(function (name) {
    chai.addProperty(name, function () {
      requireResponse(this);
      assertReasonAndCode(this, STATUS_NAMES[name][1].toUpperCase(), STATUS_NAMES[name][0]);
    });
  });
  chai.responseOk = function () { assertReasonAndCode(this, 'OK', 200); };

  chai.addMethod('statusCode', function (code) {
    requireResponse(this);
    requireCode(this);
    var actual = flag(this, 'object').code;
    this.assert(actual === Number(code), 'expected response to have status code #{exp} but got #{act}',
      'expected response to not have status code #{act}', Number(code), actual);
  });
  chai.addMethod('statusReason', function (reason) {
    requireResponse(this);
    var actual = flag(this, 'object').reason();
    this.assert(actual === String(reason), 'expected response to have status reason #{exp} but got #{act}',
      'expected response to not have status reason #{act}', String(reason), actual);
  });
  chai.addMethod('status', function (codeOrReason) {
    requireResponse(this);
    var obj = flag(this, 'object');
    if (typeof codeOrReason === 'number') {
      requireCode(this);
      this.assert(obj.code === codeOrReason, 'expected response to have status code #{exp} but got #{act}',
        'expected response to not have status code #{act}', codeOrReason, obj.code);
    } else {
      this.assert(obj.reason() === codeOrReason, 'expected response to have status reason #{exp} but got #{act}',
        'expected response to not have status reason #{act}', codeOrReason, obj.reason());
    }
  });
  chai.addMethod('header', function (key, value) {
    var obj = flag(this, 'object');
    new Assertion(obj).to.be.postmanRequestOrResponse;
    var ror = isRequest(obj) ? 'request' : 'response';
    var has = obj.headers.has(key);
    this.assert(has, "expected " + ror + " to have header with key '" + String(key) + "'",
      "expected " + ror + " to not have header with key '" + String(key) + "'", true, has);
    if (arguments.length < 2) { return; }
    var actual = obj.headers.one(key).value;
    this.assert(actual === value, "expected '" + String(key) + "' " + ror + ' header to be #{exp} but got #{act}',
      "expected '" + String(key) + "' " + ror + ' header to not be #{act}', value, actual);
  });
  chai.addProperty('withBody', function () {
    requireResponse(this);
    var text = flag(this, 'object').text();
    this.assert(typeof text === 'string' && text.length, 'expected response to have content in body',
      'expected response to not have content in body');
  });
  function jsonParseError(obj) {
    try { obj.json(); return null; } catch (e) {
      return e.name === 'JSONError' && e.message ? e.message.split('\n')[0] : e.name + ': ' + e.message;
    }
  }
  chai.addProperty('json', function () {
    requireResponse(this);
    var parseError = jsonParseError(flag(this, 'object'));
    this.assert(!parseError, 'expected response body to be a valid json but got error ' + parseError,
      'expected response body not to be a valid json');
  });
  chai.addMethod('body', function (content) {
    requireResponse(this);
    var obj = flag(this, 'object'), data;
    if (Object.prototype.toString.call(content) === '[object Object]') {
      try { data = obj.json(); } catch (e) { data = undefined; }
      this.assert(chai.deepEqual(data, content), 'expected response body json to equal #{exp} but got #{act}',
        'expected response body json to not equal #{exp} but got #{act}', content, data);
      return;
    }
    data = obj.text();
    if (arguments.length === 0) {
      this.assert(typeof data === 'string' && data.length, 'expected response to have content in body',
        'expected response to not have content in body');
      return;
    }
    if (content instanceof RegExp) {
      this.assert(content.exec(data) !== null, 'expected response body text to match #{exp} but got #{act}',
        'expected response body text #{act} to not match #{exp}', content, data);
      return;
    }
    this.assert(chai.deepEqual(data, content), 'expected response body to equal #{exp} but got #{act}',
      'expected response body to not equal #{exp}', content, data);
  });
  chai.addMethod('jsonBody', function (path, value) {
    requireResponse(this);
    var obj = flag(this, 'object'), body, parseError = null;
    try { body = obj.json(); } catch (e) {
      parseError = e.name === 'JSONError' && e.message ? e.message.split('\n')[0] : e.name + ': ' + e.message;
    }
    if (arguments.length === 0) {
      this.assert(!parseError, 'expected response body to be a valid json but got error ' + parseError,
        'expected response body not to be a valid json');
      return;
    }
    if (typeof path === 'string') {
      this.assert(helpers._.has(body, path), 'expected #{act} in response to contain property #{exp}',
        'expected #{act} in response to not contain property #{exp}', path, body);
      if (arguments.length > 1) {
        var found = helpers._.get(body, path);
        this.assert(chai.deepEqual(found, value), 'expected response body json at "' + path + '" to contain #{exp} but got #{act}',
          'expected response body json at "' + path + '" to not contain #{exp} but got #{act}', value, found);
      }
    } else if (Object.prototype.toString.call(path) === '[object Object]') {
      this.assert(chai.deepEqual(body, path), 'expected response body json to equal #{exp} but got #{act}',
        'expected response body json to not equal #{exp} but got #{act}', path, body);
    }
  });
  chai.addMethod('jsonSchema', function () {
    throw new Error('to.have.jsonSchema() is not supported by the harness sandbox (no Ajv)');
  });
  chai.addChainableMethod('responseTime', function (value) {
    var time = flag(this, 'number');
    this.assert(typeof time === 'number', 'expected response to have a valid response time but got #{act}',
      'expected response to not have a valid response time but got #{act}', null, time);
    if (arguments.length) {
      this.assert(time === value, 'expected response to have a valid response time but got #{act}',
        'expected response to not have a valid response time but got #{act}', null, time);
    }
  }, function () {
    requireResponse(this);
    new Assertion(flag(this, 'object')).to.have.property('responseTime');
    flag(this, 'number', flag(this, 'object').responseTime);
    flag(this, 'object', flag(this, 'object').responseTime);
  });

  function attachAssertionHelpers(target) {
    var to = {}, not = {};
    ['be', 'have', 'include', 'been', 'is', 'that', 'which', 'and', 'has'].forEach(function (chain) {
      Object.defineProperty(to, chain, { get: function () { return chai.expect(target).to[chain]; }, enumerable: true });
      Object.defineProperty(not, chain, { get: function () { return chai.expect(target).to.not[chain]; }, enumerable: true });
    });
    to.not = not;
    Object.defineProperty(target, 'to', { value: to, enumerable: false, configurable: true });
    return target;
  }

  // ------------------------------------------------------------------ pm
  function makeRequire() {
    return function require(name) {
      switch (name) {
        case 'lodash': return helpers._;
        case 'uuid': return { v4: helpers.uuidv4 };
        case 'chai': return { expect: chai.expect, assert: chai.assert, AssertionError: chai.AssertionError };
        case 'atob': return helpers.atob;
        case 'btoa': return helpers.btoa;
        case 'buffer': return { Buffer: helpers.Buffer };
        default: throw new Error("require('" + name + "') is not available in the harness sandbox");
      }
    };
  }

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

  function makeTest(pm) {
    function fail(assertion, err) {
      assertion.passed = false;
      assertion.error = assertionError(err, assertion.name);
    }
    var test = function (name, fn) {
      var assertion = { name: String(name), skipped: false, passed: true, error: null,
        index: state.assertions.length, pending: false };
      state.assertions.push(assertion);
      if (typeof fn !== 'function') { return pm; }
      try {
        if (fn.length > 0) {
          assertion.pending = true;
          fn(function done(err) {
            if (!assertion.pending) { return; }
            assertion.pending = false;
            if (err) { fail(assertion, err); }
          });
        } else {
          var result = fn();
          if (result && typeof result.then === 'function') {
            assertion.pending = true;
            result.then(function () { assertion.pending = false; },
              function (err) { assertion.pending = false; fail(assertion, err); });
          }
        }
      } catch (err) {
        assertion.pending = false;
        fail(assertion, err);
      }
      return pm;
    };
    test.skip = function (name) {
      state.assertions.push({ name: String(name), skipped: true, passed: true, error: null,
        index: state.assertions.length, pending: false });
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
      assertions: [], logs: [], outgoing: [], timers: [], requestSeq: 0, timerSeq: 0,
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
      require: function (name) { throw new Error("pm.require('" + name + "') is not supported by the harness sandbox"); },
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
    g._ = helpers._;
    g.atob = helpers.atob;
    g.btoa = helpers.btoa;
    g.Buffer = helpers.Buffer;
    g.xml2Json = function () { throw new Error('xml2Json is not available in the harness sandbox'); };
    g.setTimeout = function (fn, delay) { return addTimer(fn, delay, Array.prototype.slice.call(arguments, 2), false); };
    g.setInterval = function (fn, delay) { return addTimer(fn, delay, Array.prototype.slice.call(arguments, 2), true); };
    g.setImmediate = function (fn) { return addTimer(fn, 0, Array.prototype.slice.call(arguments, 1), false); };
    g.clearTimeout = removeTimer;
    g.clearInterval = removeTimer;
    return true;
  }

  function run(fn) {
    guard(function () { return fn.call(undefined); });
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
    var assertions = s.assertions.map(function (a) {
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

  return { begin: begin, run: run, pending: pending, deliver: deliver, fireTimer: fireTimer, finish: finish };
})();
