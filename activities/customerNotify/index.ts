/** Customer notices: decided by the customer's preferences, delivered exactly once per key on every channel they gave. */
export { customerNoticeActivities, type CustomerNoticeDependencies } from './deliverCustomerNotice';
