// Every console page's dictionary, registered at start (they are small; pages load lazily).
import audit from './audit';
import cases from './cases';
import dashboard from './dashboard';
import dialogue from './dialogue';
import library from './library';
import linkage from './linkage';
import payroll from './payroll';
import registry from './registry';

export const pageMessages = [audit, cases, dashboard, dialogue, library, linkage, payroll, registry];
