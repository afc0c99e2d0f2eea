// Preact with htm: components written as tagged templates, so the portal
// needs no build step. Everything the pages use from the libraries is
// imported from here.
import { h, render } from './preact.mjs';
import { useCallback, useEffect, useRef, useState } from './hooks.mjs';
import htm from './htm.mjs';

export const html = htm.bind(h);
export { render, useCallback, useEffect, useRef, useState };
