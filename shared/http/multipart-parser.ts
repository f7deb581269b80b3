import busboy from 'busboy';

/**
 * busboy, the multipart/form-data parser, behind a module of its own so that only multipart bodies
 * load it: the functions ship it as a lazy file (docs/architecture.md, "Cold start"). No state here.
 */
export const createMultipartParser: typeof busboy = busboy;
