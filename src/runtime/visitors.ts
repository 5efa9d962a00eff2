/** How other areas read visitors (the runtime owns their table). */
export { findVisitor, type Visitor } from './visitor-table.ts';
