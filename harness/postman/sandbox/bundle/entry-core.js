/*
 * The part of Postman's sandbox libraries every script needs (chai + chai-postman for pm.expect and
 * pm.response.to, lodash, Buffer, atob/btoa, uuid, liquid-json), loaded with the V8 context.
 * entry.js holds the rest and is evaluated only for scripts that use it (see engine.py).
 *
 * Each module is wrapped by esbuild and runs on its first require(). `__pmLibs` is the one registry
 * of requirable names (postman-sandbox's names, lib/environment.js).
 */
var cache = {};
var loaders = {};

function register(more) {
  Object.keys(more).forEach(function (name) { loaders[name] = more[name]; });
}

register({
  'atob': function () { return require('atob/node-atob.js'); },
  'btoa': function () { return require('btoa'); },
  'buffer': function () { return require('buffer'); },
  'chai': function () { return require('chai'); },
  'chai-postman': function () { return require('chai-postman'); },
  'fs': function () { return {}; }, // browserify's empty stub, as in Postman
  'json': function () { return require('liquid-json'); },
  'lodash': function () { return require('lodash'); },
  'uuid': function () { return require('uuid'); }
});

globalThis.__pmLibs = {
  register: register,
  has: function (name) { return Object.prototype.hasOwnProperty.call(loaders, name); },
  load: function (name) {
    if (!Object.prototype.hasOwnProperty.call(cache, name)) {
      if (!Object.prototype.hasOwnProperty.call(loaders, name)) { throw new Error("Cannot find module '" + name + "'"); }
      cache[name] = loaders[name]();
    }
    return cache[name];
  }
};
