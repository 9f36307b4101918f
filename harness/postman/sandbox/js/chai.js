/*
 * A chai-4-compatible BDD `expect` for the harness sandbox (the subset Postman collections use).
 *
 * Written for this project. It follows chai's design so that chains behave the same way: every
 * property access returns a fresh Assertion carrying the flags (`not`, `deep`, `own`, `nested`,
 * `any`, `all`, `contains`, `doLength`), chainable methods (`a`, `an`, `include`, `length`, ...)
 * work both as properties and as calls, and failure messages use chai's templates with
 * `#{this}`, `#{exp}` and `#{act}` rendered by a loupe-like `inspect` and chai's `objDisplay`
 * (values printing to 40 characters or more are summarised).
 */
var __pmChai = (function () {
  'use strict';

  var config = { truncateThreshold: 40 };

  class AssertionError extends Error {
    constructor(message, props) {
      super(message);
      this.name = 'AssertionError';
      if (props) {
        for (var key in props) { this[key] = props[key]; }
      }
    }
  }

  // ------------------------------------------------------------------ type detection
  function typeOf(obj) {
    if (obj === null) { return 'null'; }
    if (obj === undefined) { return 'undefined'; }
    var t = typeof obj;
    if (t !== 'object' && t !== 'function') { return t; }
    if (t === 'function') { return 'function'; }
    if (Array.isArray(obj)) { return 'array'; }
    return Object.prototype.toString.call(obj).slice(8, -1).toLowerCase();
  }

  // ------------------------------------------------------------------ inspect (loupe-like)
  var IDENT = /^[A-Za-z_$][\w$]*$/;
  var ESCAPES = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', "'": "\\'", '\\': '\\\\' };

  function truncate(text, length) {
    text = String(text);
    if (text.length > length && text.length > 1) { return text.slice(0, Math.max(length - 1, 0)) + '\u2026'; }
    return text;
  }

  function escapeString(text) {
    return text.replace(/['\\\u0000-\u001f\u007f-\u009f]/g, function (ch) {
      return ESCAPES[ch] || '\\u' + ('0000' + ch.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  function inspectKey(key) {
    if (typeof key === 'symbol') { return '[' + String(key) + ']'; }
    return IDENT.test(key) ? key : "'" + escapeString(key) + "'";
  }

  function inspect(value, depth, seen, limit) {
    depth = depth === undefined ? 2 : depth;
    seen = seen || [];
    limit = limit === undefined ? config.truncateThreshold : limit;
    var type = typeOf(value);
    switch (type) {
      case 'null': return 'null';
      case 'undefined': return 'undefined';
      case 'boolean': return String(value);
      case 'number':
        if (value === 0 && 1 / value < 0) { return '-0'; }
        return String(value);
      case 'bigint': return String(value) + 'n';
      case 'string': return "'" + truncate(escapeString(value), limit - 2) + "'";
      case 'symbol': return String(value);
      case 'function': return value.name ? '[Function ' + value.name + ']' : '[Function]';
      case 'date': return isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
      case 'regexp': return String(value);
      case 'error': return value.name + (value.message ? ': ' + value.message : '');
      default: break;
    }
    if (seen.indexOf(value) >= 0) { return '[Circular]'; }
    if (type === 'array' || type === 'arguments' || /array$/.test(type)) {
      if (value.length === 0) { return '[]'; }
      if (seen.length > depth) { return '[Array]'; }
      seen.push(value);
      var items = Array.prototype.map.call(value, function (item) { return inspect(item, depth, seen, Infinity); });
      seen.pop();
      return '[ ' + items.join(', ') + ' ]';
    }
    if (type === 'map' || type === 'set') {
      if (value.size === 0) { return type === 'map' ? 'Map{}' : 'Set{}'; }
      seen.push(value);
      var parts = [];
      value.forEach(function (v, k) {
        parts.push(type === 'map' ? inspect(k, depth, seen, Infinity) + ' => ' + inspect(v, depth, seen, Infinity)
          : inspect(v, depth, seen, Infinity));
      });
      seen.pop();
      return (type === 'map' ? 'Map{ ' : 'Set{ ') + parts.join(', ') + ' }';
    }
    if (type === 'promise') { return 'Promise{\u2026}'; }
    var keys = Object.keys(value).concat(Object.getOwnPropertySymbols(value).filter(function (s) {
      return Object.prototype.propertyIsEnumerable.call(value, s);
    }));
    if (keys.length === 0) { return '{}'; }
    if (seen.length > depth) { return '[Object]'; }
    seen.push(value);
    var entries = keys.map(function (key) { return inspectKey(key) + ': ' + inspect(value[key], depth, seen, Infinity); });
    seen.pop();
    return '{ ' + entries.join(', ') + ' }';
  }

  /** ``PostmanResponse``/``PostmanRequest`` for the sdk's objects: loupe shows a long one as
   * ``PostmanResponse{ …(5) }`` (its class name and how many own properties it has). */
  function postmanClassName(obj) {
    var ctor = obj && obj.constructor;
    var name = ctor && typeof ctor.name === 'string' ? ctor.name : '';
    return /^Postman[A-Z]/.test(name) ? name : null;
  }

  function objDisplay(obj) {
    var str = inspect(obj);
    var type = Object.prototype.toString.call(obj);
    if (config.truncateThreshold && str.length >= config.truncateThreshold) {
      if (type === '[object Function]') {
        return !obj.name ? '[Function]' : '[Function: ' + obj.name + ']';
      } else if (type === '[object Array]') {
        return '[ Array(' + obj.length + ') ]';
      } else if (type === '[object Object]') {
        var className = postmanClassName(obj);
        if (className) { return className + '{ \u2026(' + Object.getOwnPropertyNames(obj).length + ') }'; }
        var keys = Object.keys(obj);
        var kstr = keys.length > 2 ? keys.splice(0, 2).join(', ') + ', ...' : keys.join(', ');
        return '{ Object (' + kstr + ') }';
      }
    }
    return str;
  }

  // ------------------------------------------------------------------ deep equality (deep-eql semantics)
  function enumerableKeys(obj) {
    var keys = [];
    for (var key in obj) { keys.push(key); }
    return keys.concat(Object.getOwnPropertySymbols(obj).filter(function (s) {
      return Object.prototype.propertyIsEnumerable.call(obj, s);
    }));
  }

  function deepEqual(left, right, memo) {
    if (left === right) { return left !== 0 || 1 / left === 1 / right; }
    if (left !== left && right !== right) { return true; } // NaN
    var lt = typeOf(left);
    if (lt !== typeOf(right)) { return false; }
    if (left === null || right === null || (typeof left !== 'object' && typeof left !== 'function')) { return false; }
    memo = memo || [];
    for (var m = 0; m < memo.length; m++) {
      if (memo[m][0] === left && memo[m][1] === right) { return true; }
    }
    memo.push([left, right]);
    switch (lt) {
      case 'string': case 'number': case 'boolean':
        return deepEqual(left.valueOf(), right.valueOf(), memo);
      case 'date': return left.getTime() === right.getTime() || (isNaN(left) && isNaN(right));
      case 'regexp': return String(left) === String(right);
      case 'error': case 'function': case 'promise': case 'weakmap': case 'weakset': return false;
      case 'map': case 'set': {
        if (left.size !== right.size) { return false; }
        var la = [], ra = [];
        left.forEach(function (v, k) { la.push(lt === 'map' ? [k, v] : v); });
        right.forEach(function (v, k) { ra.push(lt === 'map' ? [k, v] : v); });
        return la.every(function (item) {
          return ra.some(function (other) { return deepEqual(item, other, memo); });
        });
      }
      default: break;
    }
    if (lt === 'array' || lt === 'arguments' || /array$/.test(lt)) {
      if (left.length !== right.length) { return false; }
      for (var i = 0; i < left.length; i++) {
        if (!deepEqual(left[i], right[i], memo)) { return false; }
      }
      return true;
    }
    var lk = enumerableKeys(left), rk = enumerableKeys(right);
    if (lk.length !== rk.length) { return false; }
    lk.sort(); rk.sort();
    for (var j = 0; j < lk.length; j++) {
      if (lk[j] !== rk[j]) { return false; }
      if (!deepEqual(left[lk[j]], right[rk[j]], memo)) { return false; }
    }
    return true;
  }

  // ------------------------------------------------------------------ path helpers (nested property)
  function parsePath(path) {
    var str = path.replace(/([^\\])\[/g, '$1.[');
    var parts = str.match(/(\\\.|[^.]+?)+/g) || [];
    return parts.map(function (value) {
      if (value === 'constructor' || value === '__proto__' || value === 'prototype') { return {}; }
      var m = /^\[(\d+)\]$/.exec(value);
      return m ? { i: parseFloat(m[1]) } : { p: value.replace(/\\([.[\]])/g, '$1') };
    });
  }

  function pathInfo(obj, path) {
    var parsed = parsePath(path), parent = obj, value = obj, name = null;
    for (var i = 0; i < parsed.length; i++) {
      var part = parsed[i];
      parent = value;
      if (value === undefined || value === null) { value = undefined; break; }
      name = part.p !== undefined ? part.p : part.i;
      value = value[name];
    }
    var exists = parent !== undefined && parent !== null && name !== null && (Object(parent) === parent ? name in parent
      : name in Object(parent));
    return { parent: parent, name: name, value: value, exists: exists };
  }

  function hasProperty(obj, name) {
    if (obj === undefined || obj === null) { return false; }
    return name in Object(obj);
  }

  // ------------------------------------------------------------------ Assertion core
  function flag(assertion, key, value) {
    var flags = assertion.__flags || (assertion.__flags = Object.create(null));
    if (arguments.length === 3) { flags[key] = value; return undefined; }
    return flags[key];
  }

  function transferFlags(from, to) {
    var flags = from.__flags || (from.__flags = Object.create(null));
    if (!Object.prototype.hasOwnProperty.call(to, '__flags') || !to.__flags) { to.__flags = Object.create(null); }
    for (var key in flags) { to.__flags[key] = flags[key]; }
  }

  function Assertion(obj, message) {
    this.__flags = Object.create(null);
    flag(this, 'object', obj);
    flag(this, 'message', message);
  }

  Object.defineProperty(Assertion.prototype, '_obj', {
    get: function () { return flag(this, 'object'); },
    set: function (value) { flag(this, 'object', value); },
    configurable: true
  });

  Assertion.prototype.assert = function (expr, msg, negateMsg, expected, actual, showDiff) {
    var negate = flag(this, 'negate');
    var ok = negate ? !expr : expr;
    if (ok) { return; }
    var obj = flag(this, 'object');
    if (arguments.length <= 4) { actual = obj; }
    var text = negate ? negateMsg : msg;
    if (typeof text === 'function') { text = text(); }
    text = (text || '')
      .replace(/#\{this\}/g, function () { return objDisplay(obj); })
      .replace(/#\{act\}/g, function () { return objDisplay(actual); })
      .replace(/#\{exp\}/g, function () { return objDisplay(expected); });
    var custom = flag(this, 'message');
    throw new AssertionError(custom ? custom + ': ' + text : text,
      { actual: actual, expected: expected, showDiff: showDiff !== false });
  };

  function fresh(from) {
    var next = new Assertion();
    transferFlags(from, next);
    return next;
  }

  function addProperty(name, getter) {
    Object.defineProperty(Assertion.prototype, name, {
      get: function () {
        var result = getter ? getter.call(this) : undefined;
        return result !== undefined ? result : fresh(this);
      },
      configurable: true
    });
  }

  function addMethod(name, method) {
    Assertion.prototype[name] = function () {
      var result = method.apply(this, arguments);
      return result !== undefined ? result : fresh(this);
    };
  }

  function addChainableMethod(name, method, chainingBehavior) {
    Object.defineProperty(Assertion.prototype, name, {
      get: function () {
        if (chainingBehavior) { chainingBehavior.call(this); }
        var self = this;
        var wrapper = function () {
          var result = method.apply(self, arguments);
          return result !== undefined ? result : fresh(self);
        };
        Object.setPrototypeOf(wrapper, Object.create(this));
        transferFlags(this, wrapper);
        return wrapper;
      },
      configurable: true
    });
  }

  function messagePrefix(assertion) {
    var custom = flag(assertion, 'message');
    return custom ? custom + ': ' : '';
  }

  // ------------------------------------------------------------------ language chains and flags
  ['to', 'be', 'been', 'is', 'and', 'has', 'have', 'with', 'that', 'which', 'at', 'of', 'same', 'but', 'does',
    'still', 'also'].forEach(function (chain) { addProperty(chain); });

  addProperty('not', function () { flag(this, 'negate', true); });
  addProperty('deep', function () { flag(this, 'deep', true); });
  addProperty('nested', function () { flag(this, 'nested', true); });
  addProperty('own', function () { flag(this, 'own', true); });
  addProperty('ordered', function () { flag(this, 'ordered', true); });
  addProperty('any', function () { flag(this, 'any', true); flag(this, 'all', false); });
  addProperty('all', function () { flag(this, 'all', true); flag(this, 'any', false); });
  addProperty('itself', function () { flag(this, 'itself', true); });

  // ------------------------------------------------------------------ type
  function an(type, msg) {
    if (msg) { flag(this, 'message', msg); }
    type = String(type).toLowerCase();
    var article = 'aeiou'.indexOf(type.charAt(0)) >= 0 ? 'an ' : 'a ';
    this.assert(type === typeOf(flag(this, 'object')),
      'expected #{this} to be ' + article + type, 'expected #{this} not to be ' + article + type);
  }
  addChainableMethod('an', an);
  addChainableMethod('a', an);

  // ------------------------------------------------------------------ include / contain
  function includeChaining() { flag(this, 'contains', true); }

  function include(val, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object'), objType = typeOf(obj), prefix = messagePrefix(this);
    var negate = flag(this, 'negate'), isDeep = flag(this, 'deep'), descriptor = isDeep ? 'deep ' : '';
    var included = false;
    switch (objType) {
      case 'string':
        included = obj.indexOf(val) !== -1;
        break;
      case 'weakset':
        included = obj.has(val);
        break;
      case 'map':
        obj.forEach(function (item) { included = included || (isDeep ? deepEqual(item, val) : item === val); });
        break;
      case 'set':
        if (isDeep) { obj.forEach(function (item) { included = included || deepEqual(item, val); }); }
        else { included = obj.has(val); }
        break;
      case 'array':
        included = isDeep ? obj.some(function (item) { return deepEqual(item, val); }) : obj.indexOf(val) !== -1;
        break;
      default: {
        if (val !== Object(val)) {
          throw new AssertionError(prefix + 'object tested must be an array, a map, an object, a set, a string, ' +
            'or a weakset, but ' + objType + ' given');
        }
        var props = Object.keys(val), firstErr = null, errors = 0, self = this;
        props.forEach(function (prop) {
          var propAssertion = new Assertion(obj);
          transferFlags(self, propAssertion);
          flag(propAssertion, 'object', obj);
          if (!negate || props.length === 1) {
            propAssertion.property(prop, val[prop]);
            return;
          }
          try { propAssertion.property(prop, val[prop]); } catch (err) {
            if (!(err instanceof AssertionError)) { throw err; }
            if (firstErr === null) { firstErr = err; }
            errors++;
          }
        });
        if (negate && props.length > 1 && errors === props.length) { throw firstErr; }
        return;
      }
    }
    this.assert(included, 'expected #{this} to ' + descriptor + 'include ' + inspect(val),
      'expected #{this} to not ' + descriptor + 'include ' + inspect(val));
  }
  ['include', 'includes', 'contain', 'contains'].forEach(function (name) {
    addChainableMethod(name, include, includeChaining);
  });

  // ------------------------------------------------------------------ truthiness and values
  addProperty('ok', function () {
    if (__pmChai.isResponse && __pmChai.isResponse(flag(this, 'object'))) {
      return __pmChai.responseOk.call(this);
    }
    this.assert(flag(this, 'object'), 'expected #{this} to be truthy', 'expected #{this} to be falsy');
  });
  addProperty('true', function () {
    this.assert(flag(this, 'object') === true, 'expected #{this} to be true', 'expected #{this} to be false',
      flag(this, 'negate') ? false : true);
  });
  addProperty('false', function () {
    this.assert(flag(this, 'object') === false, 'expected #{this} to be false', 'expected #{this} to be true',
      flag(this, 'negate') ? true : false);
  });
  addProperty('null', function () {
    this.assert(flag(this, 'object') === null, 'expected #{this} to be null', 'expected #{this} not to be null');
  });
  addProperty('undefined', function () {
    this.assert(flag(this, 'object') === undefined, 'expected #{this} to be undefined',
      'expected #{this} not to be undefined');
  });
  addProperty('NaN', function () {
    var v = flag(this, 'object');
    this.assert(typeof v === 'number' && v !== v, 'expected #{this} to be NaN', 'expected #{this} not to be NaN');
  });
  addProperty('finite', function () {
    var v = flag(this, 'object');
    this.assert(typeof v === 'number' && isFinite(v), 'expected #{this} to be a finite number',
      'expected #{this} to not be a finite number');
  });
  function exist() {
    var v = flag(this, 'object');
    this.assert(v !== null && v !== undefined, 'expected #{this} to exist', 'expected #{this} to not exist');
  }
  addProperty('exist', exist);
  addProperty('exists', exist);

  addProperty('empty', function () {
    var val = flag(this, 'object'), prefix = messagePrefix(this), count;
    switch (typeOf(val)) {
      case 'array': case 'string': count = val.length; break;
      case 'map': case 'set': count = val.size; break;
      case 'weakmap': case 'weakset': throw new TypeError(prefix + '.empty was passed a weak collection');
      case 'function': throw new AssertionError(prefix + '.empty was passed a function ' + (val.name || ''));
      default:
        if (val !== Object(val)) {
          throw new AssertionError(prefix + '.empty was passed non-string primitive ' + inspect(val));
        }
        count = Object.keys(val).length;
    }
    this.assert(count === 0, 'expected #{this} to be empty', 'expected #{this} not to be empty');
  });

  // ------------------------------------------------------------------ equality
  function assertEqual(val, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object');
    if (flag(this, 'deep')) {
      return assertEql.call(this, val);
    }
    this.assert(val === obj, 'expected #{this} to equal #{exp}', 'expected #{this} to not equal #{exp}', val, obj, true);
  }
  ['equal', 'equals', 'eq'].forEach(function (name) { addMethod(name, assertEqual); });

  function assertEql(val, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object');
    this.assert(deepEqual(val, obj), 'expected #{this} to deeply equal #{exp}', 'expected #{this} to not deeply equal #{exp}',
      val, obj, true);
  }
  addMethod('eql', assertEql);
  addMethod('eqls', assertEql);

  // ------------------------------------------------------------------ numbers and lengths
  function lengthChaining() { flag(this, 'doLength', true); }

  function checkComparable(assertion, n, name) {
    var obj = flag(assertion, 'object'), doLength = flag(assertion, 'doLength'), prefix = messagePrefix(assertion);
    var objType = typeOf(obj), nType = typeOf(n);
    if (doLength && objType !== 'map' && objType !== 'set') {
      new Assertion(obj, flag(assertion, 'message')).to.have.property('length');
    }
    if (!doLength && objType === 'date' && nType !== 'date') {
      throw new AssertionError(prefix + 'the argument to ' + name + ' must be a date');
    } else if (nType !== 'number' && (doLength || objType === 'number')) {
      throw new AssertionError(prefix + 'the argument to ' + name + ' must be a number');
    } else if (!doLength && objType !== 'date' && objType !== 'number') {
      var shown = objType === 'string' ? "'" + obj + "'" : obj;
      throw new AssertionError(prefix + 'expected ' + shown + ' to be a number or a date');
    }
  }

  function sizeOf(obj) {
    var t = typeOf(obj);
    return (t === 'map' || t === 'set') ? { descriptor: 'size', count: obj.size } : { descriptor: 'length', count: obj.length };
  }

  function comparison(name, test, words, negatedWords) {
    return function (n, msg) {
      if (msg) { flag(this, 'message', msg); }
      checkComparable(this, n, name);
      var obj = flag(this, 'object');
      if (flag(this, 'doLength')) {
        var size = sizeOf(obj);
        this.assert(test(size.count, n), 'expected #{this} to have a ' + size.descriptor + ' ' + words + ' #{exp} but got #{act}',
          'expected #{this} to not have a ' + size.descriptor + ' ' + words + ' #{exp}', n, size.count);
      } else {
        this.assert(test(obj, n), 'expected #{this} to be ' + words + ' #{exp}', 'expected #{this} to be ' + negatedWords + ' #{exp}', n);
      }
    };
  }
  var above = comparison('above', function (a, b) { return a > b; }, 'above', 'at most');
  var least = comparison('least', function (a, b) { return a >= b; }, 'at least', 'below');
  var below = comparison('below', function (a, b) { return a < b; }, 'below', 'at least');
  var most = comparison('most', function (a, b) { return a <= b; }, 'at most', 'above');
  ['above', 'gt', 'greaterThan'].forEach(function (n) { addMethod(n, above); });
  ['least', 'gte', 'greaterThanOrEqual'].forEach(function (n) { addMethod(n, least); });
  ['below', 'lt', 'lessThan'].forEach(function (n) { addMethod(n, below); });
  ['most', 'lte', 'lessThanOrEqual'].forEach(function (n) { addMethod(n, most); });

  addMethod('within', function (start, finish, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object'), prefix = messagePrefix(this);
    var doLength = flag(this, 'doLength');
    if (doLength) { new Assertion(obj, flag(this, 'message')).to.have.property('length'); }
    else if (typeOf(obj) !== 'number' && typeOf(obj) !== 'date') {
      throw new AssertionError(prefix + 'expected ' + (typeof obj === 'string' ? "'" + obj + "'" : obj) +
        ' to be a number or a date');
    }
    var range = typeOf(start) === 'date' ? start.toISOString() + '..' + finish.toISOString() : start + '..' + finish;
    if (doLength) {
      var size = sizeOf(obj);
      this.assert(size.count >= start && size.count <= finish, 'expected #{this} to have a ' + size.descriptor + ' within ' + range,
        'expected #{this} to not have a ' + size.descriptor + ' within ' + range);
    } else {
      this.assert(obj >= start && obj <= finish, 'expected #{this} to be within ' + range, 'expected #{this} to not be within ' + range);
    }
  });

  function assertLength(n, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object'), t = typeOf(obj);
    var descriptor = 'length', count;
    if (t === 'map' || t === 'set') { descriptor = 'size'; count = obj.size; }
    else {
      new Assertion(obj, flag(this, 'message')).to.have.property('length');
      count = obj.length;
    }
    this.assert(count == n, 'expected #{this} to have a ' + descriptor + ' of #{exp} but got #{act}',
      'expected #{this} to not have a ' + descriptor + ' of #{act}', n, count);
  }
  addChainableMethod('length', assertLength, lengthChaining);
  addChainableMethod('lengthOf', assertLength, lengthChaining);

  addMethod('closeTo', closeTo);
  addMethod('approximately', closeTo);
  function closeTo(expected, delta, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object'), prefix = messagePrefix(this);
    if (typeof obj !== 'number') { throw new AssertionError(prefix + 'expected ' + inspect(obj) + ' to be a number'); }
    if (typeof expected !== 'number' || typeof delta !== 'number') {
      throw new AssertionError(prefix + 'the arguments to closeTo or approximately must be numbers');
    }
    this.assert(Math.abs(obj - expected) <= delta, 'expected #{this} to be close to ' + expected + ' +/- ' + delta,
      'expected #{this} not to be close to ' + expected + ' +/- ' + delta);
  }

  // ------------------------------------------------------------------ membership
  addMethod('oneOf', function (list, msg) {
    if (msg) { flag(this, 'message', msg); }
    var expected = flag(this, 'object');
    if (!Array.isArray(list)) { throw new AssertionError(messagePrefix(this) + 'expected ' + inspect(list) + ' to be an array'); }
    if (flag(this, 'contains')) {
      this.assert(list.some(function (p) { return expected.indexOf(p) > -1; }), 'expected #{this} to contain one of #{exp}',
        'expected #{this} to not contain one of #{exp}', list, expected);
    } else if (flag(this, 'deep')) {
      this.assert(list.some(function (p) { return deepEqual(expected, p); }), 'expected #{this} to deep equal one of #{exp}',
        'expected #{this} to deep equal one of #{exp}', list, expected);
    } else {
      this.assert(list.indexOf(expected) > -1, 'expected #{this} to be one of #{exp}', 'expected #{this} to not be one of #{exp}',
        list, expected);
    }
  });

  function isSubsetOf(subset, superset, cmp, contains, ordered) {
    if (!contains) {
      if (subset.length !== superset.length) { return false; }
      superset = superset.slice();
    }
    return subset.every(function (elem, idx) {
      if (ordered) { return cmp ? cmp(elem, superset[idx]) : elem === superset[idx]; }
      if (!cmp) {
        var matchIdx = superset.indexOf(elem);
        if (matchIdx === -1) { return false; }
        if (!contains) { superset.splice(matchIdx, 1); }
        return true;
      }
      return superset.some(function (elem2, matchIdx) {
        if (!cmp(elem, elem2)) { return false; }
        if (!contains) { superset.splice(matchIdx, 1); }
        return true;
      });
    });
  }

  addMethod('members', function (subset, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object'), prefix = messagePrefix(this);
    if (!Array.isArray(obj)) { throw new AssertionError(prefix + 'expected ' + inspect(obj) + ' to be an array'); }
    if (!Array.isArray(subset)) { throw new AssertionError(prefix + 'expected ' + inspect(subset) + ' to be an array'); }
    var contains = flag(this, 'contains'), ordered = flag(this, 'ordered'), subject, failMsg, failNegateMsg;
    if (contains) {
      subject = ordered ? 'an ordered superset' : 'a superset';
      failMsg = 'expected #{this} to be ' + subject + ' of #{exp}';
      failNegateMsg = 'expected #{this} to not be ' + subject + ' of #{exp}';
    } else {
      subject = ordered ? 'ordered members' : 'members';
      failMsg = 'expected #{this} to have the same ' + subject + ' as #{exp}';
      failNegateMsg = 'expected #{this} to not have the same ' + subject + ' as #{exp}';
    }
    var cmp = flag(this, 'deep') ? deepEqual : undefined;
    this.assert(isSubsetOf(subset, obj, cmp, contains, ordered), failMsg, failNegateMsg, subset, obj, true);
  });

  // ------------------------------------------------------------------ properties and keys
  function assertProperty(name, val, msg) {
    if (msg) { flag(this, 'message', msg); }
    var isNested = flag(this, 'nested'), isOwn = flag(this, 'own'), prefix = messagePrefix(this);
    var obj = flag(this, 'object'), isDeep = flag(this, 'deep'), nameType = typeof name;
    if (isNested) {
      if (nameType !== 'string') {
        throw new AssertionError(prefix + 'the argument to property must be a string when using nested syntax');
      }
    } else if (nameType !== 'string' && nameType !== 'number' && nameType !== 'symbol') {
      throw new AssertionError(prefix + 'the argument to property must be a string, number, or symbol');
    }
    if (isNested && isOwn) {
      throw new AssertionError(prefix + 'The "nested" and "own" flags cannot be combined.');
    }
    if (obj === null || obj === undefined) {
      throw new AssertionError(prefix + 'Target cannot be null or undefined.');
    }
    var negate = flag(this, 'negate');
    var info = isNested ? pathInfo(obj, name) : null;
    var value = isNested ? info.value : obj[name];
    var descriptor = '';
    if (isDeep) { descriptor += 'deep '; }
    if (isOwn) { descriptor += 'own '; }
    if (isNested) { descriptor += 'nested '; }
    descriptor += 'property ';
    var has = isOwn ? Object.prototype.hasOwnProperty.call(obj, name) : isNested ? info.exists : hasProperty(obj, name);
    if (!negate || arguments.length === 1) {
      this.assert(has, 'expected #{this} to have ' + descriptor + inspect(name), 'expected #{this} to not have ' + descriptor + inspect(name));
    }
    if (arguments.length > 1) {
      this.assert(has && (isDeep ? deepEqual(val, value) : val === value),
        'expected #{this} to have ' + descriptor + inspect(name) + ' of #{exp}, but got #{act}',
        'expected #{this} to not have ' + descriptor + inspect(name) + ' of #{act}', val, value);
    }
    flag(this, 'object', value);
  }
  addMethod('property', assertProperty);

  function assertOwnProperty() {
    flag(this, 'own', true);
    return assertProperty.apply(this, arguments);
  }
  addMethod('ownProperty', assertOwnProperty);
  addMethod('haveOwnProperty', assertOwnProperty);

  function compareByInspect(a, b) { return inspect(a) < inspect(b) ? -1 : 1; }

  function assertKeys(keys) {
    var obj = flag(this, 'object'), objType = typeOf(obj), keysType = typeOf(keys), isDeep = flag(this, 'deep');
    var deepStr = '', actual, ok = true, prefix = messagePrefix(this);
    var mixedArgsMsg = prefix + 'when testing keys against an object or an array you must give a single Array|Object|String ' +
      'argument or multiple String arguments';
    if (objType === 'map' || objType === 'set') {
      deepStr = isDeep ? 'deeply ' : '';
      actual = [];
      obj.forEach(function (val, key) { actual.push(key); });
      if (keysType !== 'array') { keys = Array.prototype.slice.call(arguments); }
    } else {
      actual = Object.keys(obj === null || obj === undefined ? {} : Object(obj));
      switch (keysType) {
        case 'array':
          if (arguments.length > 1) { throw new AssertionError(mixedArgsMsg); }
          break;
        case 'object':
          if (arguments.length > 1) { throw new AssertionError(mixedArgsMsg); }
          keys = Object.keys(keys);
          break;
        default:
          keys = Array.prototype.slice.call(arguments);
      }
      keys = keys.map(function (key) { return typeof key === 'symbol' ? key : String(key); });
    }
    if (!keys.length) { throw new AssertionError(prefix + 'keys required'); }
    var len = keys.length, any = flag(this, 'any'), all = flag(this, 'all'), expected = keys;
    if (!any && !all) { all = true; }
    var same = function (a, b) { return isDeep ? deepEqual(a, b) : a === b; };
    if (any) {
      ok = expected.some(function (e) { return actual.some(function (a) { return same(e, a); }); });
    }
    if (all) {
      ok = expected.every(function (e) { return actual.some(function (a) { return same(e, a); }); });
      if (!flag(this, 'contains')) { ok = ok && keys.length === actual.length; }
    }
    var str;
    if (len > 1) {
      var shown = keys.map(function (key) { return inspect(key); });
      var last = shown.pop();
      str = all ? shown.join(', ') + ', and ' + last : shown.join(', ') + ', or ' + last;
    } else {
      str = inspect(keys[0]);
    }
    str = (len > 1 ? 'keys ' : 'key ') + str;
    str = (flag(this, 'contains') ? 'contain ' : 'have ') + str;
    this.assert(ok, 'expected #{this} to ' + deepStr + str, 'expected #{this} to not ' + deepStr + str,
      expected.slice(0).sort(compareByInspect), actual.sort(compareByInspect), true);
  }
  addMethod('keys', assertKeys);
  addMethod('key', assertKeys);

  // ------------------------------------------------------------------ strings, patterns, classes
  function assertMatch(re, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object');
    this.assert(re.exec(obj), 'expected #{this} to match ' + re, 'expected #{this} not to match ' + re);
  }
  addMethod('match', assertMatch);
  addMethod('matches', assertMatch);

  addMethod('string', function (str, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object');
    new Assertion(obj, flag(this, 'message')).is.a('string');
    this.assert(obj.indexOf(str) !== -1, 'expected #{this} to contain ' + inspect(str), 'expected #{this} to not contain ' + inspect(str));
  });

  function assertInstanceOf(constructor, msg) {
    if (msg) { flag(this, 'message', msg); }
    var prefix = messagePrefix(this), result;
    try { result = flag(this, 'object') instanceof constructor; } catch (err) {
      if (err instanceof TypeError) {
        throw new AssertionError(prefix + 'The instanceof assertion needs a constructor but ' + typeOf(constructor) + ' was given.');
      }
      throw err;
    }
    var name = constructor && constructor.name ? constructor.name : 'an unnamed constructor';
    this.assert(result, 'expected #{this} to be an instance of ' + name, 'expected #{this} to not be an instance of ' + name);
  }
  addMethod('instanceof', assertInstanceOf);
  addMethod('instanceOf', assertInstanceOf);

  addMethod('satisfy', function (matcher, msg) {
    if (msg) { flag(this, 'message', msg); }
    var result = matcher(flag(this, 'object'));
    this.assert(result, 'expected #{this} to satisfy ' + objDisplay(matcher), 'expected #{this} to not satisfy' + objDisplay(matcher),
      flag(this, 'negate') ? false : true, result);
  });
  addMethod('satisfies', Assertion.prototype.satisfy);

  function assertThrows(errorLike, errMsgMatcher, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object');
    new Assertion(obj, flag(this, 'message')).is.a('function');
    if (errorLike instanceof RegExp || typeof errorLike === 'string') { errMsgMatcher = errorLike; errorLike = null; }
    var caught = null, threw = false;
    try { obj(); } catch (err) { threw = true; caught = err; }
    if (!errorLike && errMsgMatcher === undefined) {
      this.assert(threw, 'expected #{this} to throw an error', 'expected #{this} to not throw an error but #{act} was thrown',
        null, caught);
    } else {
      var typeOk = !errorLike || (caught instanceof errorLike) || caught === errorLike;
      var message = caught && caught.message !== undefined ? String(caught.message) : String(caught);
      var messageOk = errMsgMatcher === undefined || errMsgMatcher === null ? true
        : (errMsgMatcher instanceof RegExp ? errMsgMatcher.test(message) : message.indexOf(errMsgMatcher) !== -1);
      var what = errorLike ? (errorLike.name || 'an error') : 'error';
      var how = errMsgMatcher instanceof RegExp ? ' matching ' + String(errMsgMatcher)
        : errMsgMatcher !== undefined && errMsgMatcher !== null ? ' including ' + inspect(errMsgMatcher) : '';
      this.assert(threw && typeOk && messageOk, 'expected #{this} to throw ' + what + how + ' but #{act} was thrown',
        'expected #{this} to not throw ' + what + how, errorLike, caught);
    }
    flag(this, 'object', caught);
  }
  ['throw', 'throws', 'Throw'].forEach(function (name) { addMethod(name, assertThrows); });

  addMethod('respondTo', function (method, msg) {
    if (msg) { flag(this, 'message', msg); }
    var obj = flag(this, 'object');
    var context = (typeof obj === 'function' && !flag(this, 'itself')) ? obj.prototype[method] : obj[method];
    this.assert(typeof context === 'function', 'expected #{this} to respond to ' + inspect(method),
      'expected #{this} to not respond to ' + inspect(method));
  });

  addProperty('sealed', function () {
    var obj = flag(this, 'object');
    this.assert(obj === Object(obj) ? Object.isSealed(obj) : true, 'expected #{this} to be sealed', 'expected #{this} to not be sealed');
  });
  addProperty('frozen', function () {
    var obj = flag(this, 'object');
    this.assert(obj === Object(obj) ? Object.isFrozen(obj) : true, 'expected #{this} to be frozen', 'expected #{this} to not be frozen');
  });
  addProperty('extensible', function () {
    var obj = flag(this, 'object');
    this.assert(obj === Object(obj) && Object.isExtensible(obj), 'expected #{this} to be extensible',
      'expected #{this} to not be extensible');
  });

  // ------------------------------------------------------------------ expect / assert
  function expect(value, message) { return new Assertion(value, message); }
  expect.fail = function (actual, expected, message, operator) {
    if (arguments.length < 2) { message = actual; actual = undefined; }
    throw new AssertionError(message || 'expect.fail()', { actual: actual, expected: expected, operator: operator });
  };

  function assert(expression, message) {
    new Assertion(null, message).assert(expression, message || 'expected #{this} to be truthy', '[ negation message unavailable ]');
  }
  assert.ok = function (value, message) { new Assertion(value, message).is.ok; };
  assert.equal = function (actual, expected, message) {
    new Assertion(actual, message).assert(expected == actual, 'expected #{this} to equal #{exp}', 'expected #{this} to not equal #{act}',
      expected, actual, true);
  };
  assert.strictEqual = function (actual, expected, message) { new Assertion(actual, message).to.equal(expected); };
  assert.deepEqual = function (actual, expected, message) { new Assertion(actual, message).to.eql(expected); };
  assert.isTrue = function (value, message) { new Assertion(value, message).is['true']; };
  assert.isFalse = function (value, message) { new Assertion(value, message).is['false']; };
  assert.fail = expect.fail;

  return {
    Assertion: Assertion,
    AssertionError: AssertionError,
    addProperty: addProperty,
    addMethod: addMethod,
    addChainableMethod: addChainableMethod,
    assert: assert,
    config: config,
    deepEqual: deepEqual,
    expect: expect,
    flag: flag,
    inspect: inspect,
    objDisplay: objDisplay,
    typeOf: typeOf,
    isResponse: null,
    responseOk: null
  };
})();
