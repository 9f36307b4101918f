// Globals the Node-flavoured packages expect (browserify inserts the same ones).
export { Buffer } from 'buffer';
import process from 'process/browser';
export { process };
