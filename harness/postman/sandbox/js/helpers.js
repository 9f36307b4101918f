/*
 * Small globals Postman scripts expect, written for this project: atob/btoa, a v4 uuid, a tiny
 * Buffer (utf8/base64/hex), and a basic lodash subset (`_`). Anything larger is reported as
 * unsupported by the import scan instead of being half-emulated.
 */
var __pmHelpers = (function () {
  'use strict';

  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

  function btoa(input) {
    var str = String(input), out = '';
    for (var i = 0; i < str.length; i += 3) {
      var a = str.charCodeAt(i), b = str.charCodeAt(i + 1), c = str.charCodeAt(i + 2);
      if (a > 255 || b > 255 || c > 255) { throw new Error('InvalidCharacterError: btoa() input is not Latin-1'); }
      var triple = (a << 16) | ((b || 0) << 8) | (c || 0);
      out += B64[(triple >> 18) & 63] + B64[(triple >> 12) & 63] +
        (i + 1 < str.length ? B64[(triple >> 6) & 63] : '=') + (i + 2 < str.length ? B64[triple & 63] : '=');
    }
    return out;
  }

  function atob(input) {
    var str = String(input).replace(/[\s=]+/g, '').replace(/-/g, '+').replace(/_/g, '/'), out = '';
    if (/[^A-Za-z0-9+/]/.test(str)) { throw new Error('InvalidCharacterError: atob() input is not base64'); }
    var bits = 0, value = 0;
    for (var i = 0; i < str.length; i++) {
      value = (value << 6) | B64.indexOf(str[i]);
      bits += 6;
      if (bits >= 8) { bits -= 8; out += String.fromCharCode((value >> bits) & 255); }
    }
    return out;
  }

  function utf8Encode(text) { return unescape(encodeURIComponent(text)); }
  function utf8Decode(bytes) { try { return decodeURIComponent(escape(bytes)); } catch (e) { return bytes; } }

  function uuidv4() {
    var hex = '0123456789abcdef', out = '';
    for (var i = 0; i < 36; i++) {
      if (i === 8 || i === 13 || i === 18 || i === 23) { out += '-'; }
      else if (i === 14) { out += '4'; }
      else if (i === 19) { out += hex[(Math.random() * 4 | 0) + 8]; }
      else { out += hex[Math.random() * 16 | 0]; }
    }
    return out;
  }

  // A binary string wrapper with the Buffer calls scripts use for Basic auth and hashing inputs.
  function PmBuffer(binary) { this._binary = binary; this.length = binary.length; }
  PmBuffer.prototype.toString = function (encoding) {
    encoding = (encoding || 'utf8').toLowerCase();
    if (encoding === 'base64') { return btoa(this._binary); }
    if (encoding === 'hex') {
      var out = '';
      for (var i = 0; i < this._binary.length; i++) { out += ('0' + this._binary.charCodeAt(i).toString(16)).slice(-2); }
      return out;
    }
    if (encoding === 'binary' || encoding === 'latin1' || encoding === 'ascii') { return this._binary; }
    return utf8Decode(this._binary);
  };
  var Buffer = {
    from: function (value, encoding) {
      encoding = (encoding || 'utf8').toLowerCase();
      if (value instanceof PmBuffer) { return new PmBuffer(value._binary); }
      if (Array.isArray(value)) { return new PmBuffer(String.fromCharCode.apply(null, value)); }
      value = String(value);
      if (encoding === 'base64') { return new PmBuffer(atob(value)); }
      if (encoding === 'hex') {
        var out = '';
        for (var i = 0; i + 1 < value.length; i += 2) { out += String.fromCharCode(parseInt(value.substr(i, 2), 16)); }
        return new PmBuffer(out);
      }
      if (encoding === 'binary' || encoding === 'latin1' || encoding === 'ascii') { return new PmBuffer(value); }
      return new PmBuffer(utf8Encode(value));
    },
    isBuffer: function (value) { return value instanceof PmBuffer; }
  };

  // ------------------------------------------------------------------ lodash subset
  function toPath(path) {
    if (Array.isArray(path)) { return path; }
    var parts = [];
    String(path).replace(/[^.[\]]+|\[(?:(-?\d+(?:\.\d+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))/g,
      function (match, number, quote, subString) {
        parts.push(quote ? subString : (number !== undefined ? number : match));
      });
    return parts;
  }
  function get(obj, path, fallback) {
    var parts = toPath(path), value = obj;
    for (var i = 0; i < parts.length; i++) {
      if (value === null || value === undefined) { return fallback; }
      value = value[parts[i]];
    }
    return value === undefined ? fallback : value;
  }
  function has(obj, path) {
    var parts = toPath(path), value = obj;
    if (!parts.length) { return false; }
    for (var i = 0; i < parts.length; i++) {
      if (value === null || value === undefined || !Object.prototype.hasOwnProperty.call(Object(value), parts[i])) { return false; }
      value = value[parts[i]];
    }
    return true;
  }
  function set(obj, path, value) {
    var parts = toPath(path), target = obj;
    for (var i = 0; i < parts.length - 1; i++) {
      if (target[parts[i]] === null || typeof target[parts[i]] !== 'object') {
        target[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      }
      target = target[parts[i]];
    }
    target[parts[parts.length - 1]] = value;
    return obj;
  }
  function iteratee(fn) {
    if (typeof fn === 'function') { return fn; }
    if (typeof fn === 'string') { return function (item) { return get(item, fn); }; }
    if (fn && typeof fn === 'object') {
      return function (item) { return Object.keys(fn).every(function (k) { return __pmChai.deepEqual(get(item, k), fn[k]); }); };
    }
    return function (item) { return item; };
  }
  function values(obj) { return Array.isArray(obj) ? obj.slice() : Object.keys(obj || {}).map(function (k) { return obj[k]; }); }
  function each(coll, fn) {
    if (Array.isArray(coll) || typeof coll === 'string') {
      for (var i = 0; i < coll.length; i++) { if (fn(coll[i], i, coll) === false) { break; } }
    } else if (coll) {
      var keys = Object.keys(coll);
      for (var j = 0; j < keys.length; j++) { if (fn(coll[keys[j]], keys[j], coll) === false) { break; } }
    }
    return coll;
  }
  function isEmpty(value) {
    if (value === null || value === undefined) { return true; }
    if (typeof value === 'string' || Array.isArray(value)) { return value.length === 0; }
    if (value instanceof Map || value instanceof Set) { return value.size === 0; }
    if (typeof value === 'object') { return Object.keys(value).length === 0; }
    return true;
  }
  function cloneDeep(value) {
    if (value === null || typeof value !== 'object') { return value; }
    if (value instanceof Date) { return new Date(value.getTime()); }
    if (Array.isArray(value)) { return value.map(cloneDeep); }
    var out = {};
    Object.keys(value).forEach(function (k) { out[k] = cloneDeep(value[k]); });
    return out;
  }
  function merge(target) {
    for (var i = 1; i < arguments.length; i++) {
      var source = arguments[i] || {};
      Object.keys(source).forEach(function (k) {
        if (source[k] && typeof source[k] === 'object' && !Array.isArray(source[k]) && target[k] && typeof target[k] === 'object') {
          merge(target[k], source[k]);
        } else {
          target[k] = cloneDeep(source[k]);
        }
      });
    }
    return target;
  }
  function sortBy(coll, fns) {
    fns = (Array.isArray(fns) ? fns : [fns]).map(iteratee);
    return values(coll).map(function (v, i) { return { v: v, i: i }; }).sort(function (a, b) {
      for (var k = 0; k < fns.length; k++) {
        var x = fns[k](a.v), y = fns[k](b.v);
        if (x < y) { return -1; }
        if (x > y) { return 1; }
      }
      return a.i - b.i;
    }).map(function (e) { return e.v; });
  }

  var _ = {
    get: get, has: has, set: set, each: each, forEach: each, values: values, isEmpty: isEmpty,
    cloneDeep: cloneDeep, merge: merge, sortBy: sortBy,
    isEqual: function (a, b) { return __pmChai.deepEqual(a, b); },
    isArray: Array.isArray,
    isObject: function (v) { return v !== null && (typeof v === 'object' || typeof v === 'function'); },
    isPlainObject: function (v) { return Object.prototype.toString.call(v) === '[object Object]'; },
    isString: function (v) { return typeof v === 'string'; },
    isNumber: function (v) { return typeof v === 'number'; },
    isInteger: Number.isInteger,
    isBoolean: function (v) { return typeof v === 'boolean'; },
    isFunction: function (v) { return typeof v === 'function'; },
    isUndefined: function (v) { return v === undefined; },
    isNull: function (v) { return v === null; },
    isNil: function (v) { return v === null || v === undefined; },
    keys: function (o) { return Object.keys(o || {}); },
    map: function (c, fn) { var f = iteratee(fn), out = []; each(c, function (v, k) { out.push(f(v, k, c)); }); return out; },
    filter: function (c, fn) { var f = iteratee(fn); return values(c).filter(function (v) { return f(v); }); },
    reject: function (c, fn) { var f = iteratee(fn); return values(c).filter(function (v) { return !f(v); }); },
    find: function (c, fn) { var f = iteratee(fn); return values(c).find(function (v) { return f(v); }); },
    findIndex: function (a, fn) { return (a || []).findIndex(iteratee(fn)); },
    some: function (c, fn) { return values(c).some(iteratee(fn)); },
    every: function (c, fn) { return values(c).every(iteratee(fn)); },
    reduce: function (c, fn, acc) { each(c, function (v, k) { acc = fn(acc, v, k, c); }); return acc; },
    includes: function (c, v) { return typeof c === 'string' ? c.indexOf(v) >= 0 : values(c).indexOf(v) >= 0; },
    pick: function (o, ks) { var out = {}; [].concat(ks).forEach(function (k) { if (o && k in o) { out[k] = o[k]; } }); return out; },
    omit: function (o, ks) { var out = {}; ks = [].concat(ks); Object.keys(o || {}).forEach(function (k) { if (ks.indexOf(k) < 0) { out[k] = o[k]; } }); return out; },
    uniq: function (a) { return (a || []).filter(function (v, i, arr) { return arr.indexOf(v) === i; }); },
    uniqBy: function (a, fn) { var f = iteratee(fn), seen = []; return (a || []).filter(function (v) { var k = f(v); if (seen.indexOf(k) >= 0) { return false; } seen.push(k); return true; }); },
    flatten: function (a) { return [].concat.apply([], a || []); },
    compact: function (a) { return (a || []).filter(Boolean); },
    chunk: function (a, n) { var out = []; for (var i = 0; i < (a || []).length; i += (n || 1)) { out.push(a.slice(i, i + (n || 1))); } return out; },
    first: function (a) { return a ? a[0] : undefined; },
    head: function (a) { return a ? a[0] : undefined; },
    last: function (a) { return a ? a[a.length - 1] : undefined; },
    size: function (c) { return c ? (c.length !== undefined ? c.length : Object.keys(c).length) : 0; },
    sum: function (a) { return (a || []).reduce(function (x, y) { return x + y; }, 0); },
    sumBy: function (a, fn) { var f = iteratee(fn); return (a || []).reduce(function (x, y) { return x + f(y); }, 0); },
    max: function (a) { return a && a.length ? Math.max.apply(null, a) : undefined; },
    min: function (a) { return a && a.length ? Math.min.apply(null, a) : undefined; },
    groupBy: function (c, fn) { var f = iteratee(fn), out = {}; each(c, function (v) { var k = f(v); (out[k] = out[k] || []).push(v); }); return out; },
    keyBy: function (c, fn) { var f = iteratee(fn), out = {}; each(c, function (v) { out[f(v)] = v; }); return out; },
    countBy: function (c, fn) { var f = iteratee(fn), out = {}; each(c, function (v) { var k = f(v); out[k] = (out[k] || 0) + 1; }); return out; },
    clone: function (v) { return Array.isArray(v) ? v.slice() : (v && typeof v === 'object' ? Object.assign({}, v) : v); },
    assign: Object.assign, extend: Object.assign,
    range: function (start, end, step) {
      if (end === undefined) { end = start; start = 0; }
      step = step || 1;
      var out = [];
      for (var i = start; step > 0 ? i < end : i > end; i += step) { out.push(i); }
      return out;
    },
    times: function (n, fn) { var out = []; for (var i = 0; i < n; i++) { out.push(fn ? fn(i) : i); } return out; },
    random: function (lower, upper) {
      if (upper === undefined) { upper = lower === undefined ? 1 : lower; lower = 0; }
      return lower + Math.floor(Math.random() * (upper - lower + 1));
    },
    sample: function (c) { var v = values(c); return v[Math.floor(Math.random() * v.length)]; },
    startsWith: function (s, t) { return String(s).indexOf(t) === 0; },
    endsWith: function (s, t) { s = String(s); return s.slice(s.length - String(t).length) === String(t); },
    trim: function (s) { return String(s === undefined || s === null ? '' : s).trim(); },
    toLower: function (s) { return String(s).toLowerCase(); },
    toUpper: function (s) { return String(s).toUpperCase(); },
    capitalize: function (s) { s = String(s); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); },
    padStart: function (s, n, c) { return String(s).padStart(n, c === undefined ? ' ' : c); },
    padEnd: function (s, n, c) { return String(s).padEnd(n, c === undefined ? ' ' : c); },
    noop: function () {},
    identity: function (v) { return v; }
  };

  return { atob: atob, btoa: btoa, uuidv4: uuidv4, Buffer: Buffer, _: _ };
})();
