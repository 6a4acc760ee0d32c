/** The express module, handed in: it is loaded on the first admin request, not at start-up (see app.ts). */
export type ExpressModule = typeof import('express');
