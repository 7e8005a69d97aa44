/**
 * Labelled customer questions for the answer cache (targets.md P4), written by hand.
 *
 * The data is organised as clusters: every question of a cluster asks the same thing with the same
 * specifics, so one cached answer serves them all; questions of different clusters must never share
 * an answer. Hard negatives are pairs of questions from different clusters that look alike (same
 * words, a different country, amount, order number, polarity, action or direction). The labelled
 * pairs are derived: every pair inside a cluster is `same: true`, every hard negative `same: false`.
 *
 * Some paraphrases are deliberately hard for a lexical embedder (synonyms, another sentence form);
 * they keep the measured paraphrase hit rate honest. Clusters with one question exist only as the
 * other side of a hard negative (and as "new" questions in the workload).
 */

export type QuestionLang = 'en' | 'zh';

export interface QuestionCluster {
  readonly id: string;
  readonly lang: QuestionLang;
  readonly questions: readonly string[];
}

export interface HardNegative {
  readonly a: string;
  readonly b: string;
  /** What makes the two questions different. */
  readonly why: string;
}

export interface LabelledPair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
  readonly lang: QuestionLang;
}

function cluster(id: string, ...questions: string[]): QuestionCluster {
  return { id, lang: id.startsWith('zh.') ? 'zh' : 'en', questions };
}

function neg(a: string, b: string, why: string): HardNegative {
  return { a, b, why };
}

const BASE_CLUSTERS: readonly QuestionCluster[] = [
  // ---------------------------------------------------------------- English: accounts
  cluster(
    'en.reset-password',
    'How do I reset my password?',
    'How can I reset my password',
    'I forgot my password. How do I reset it?',
  ),
  cluster(
    'en.change-password',
    'How do I change my password?',
    'How can I change my account password?',
    'Where do I change my password?',
  ),
  cluster(
    'en.change-email',
    'How do I change my email address?',
    'How can I change the email address on my account?',
    'I need to update the email on my account.',
  ),
  cluster('en.verify-email', 'How do I verify my email address?'),
  cluster(
    'en.delete-account',
    'How do I delete my account?',
    'How can I delete my account?',
    'I want to delete my account permanently.',
  ),
  cluster(
    'en.create-account',
    'How do I create an account?',
    'How can I create an account',
    'How do I sign up for an account?',
  ),
  cluster(
    'en.order-without-account',
    'Can I order without an account?',
    'Can I place an order without an account?',
    'Do I need an account to place an order?',
  ),
  cluster('en.review-account', 'Do I need an account to leave a review?'),
  cluster(
    'en.2fa-on',
    'How do I turn on two-factor authentication?',
    'How do I enable two-factor authentication?',
    'How can I turn on two-factor authentication for my account?',
  ),
  cluster('en.2fa-off', 'How do I turn off two-factor authentication?'),

  // ---------------------------------------------------------------- English: SaaS plans
  cluster(
    'en.upgrade-pro',
    'How do I upgrade to the Pro plan?',
    'How can I upgrade to the Pro plan?',
    'How do I upgrade my account to the Pro plan?',
  ),
  cluster('en.upgrade-business', 'How do I upgrade to the Business plan?'),
  cluster('en.downgrade-from-pro', 'How do I downgrade from the Pro plan?'),
  cluster(
    'en.pro-api',
    'Does the Pro plan include API access?',
    'Is API access included in the Pro plan?',
    'Do I get API access on the Pro plan?',
  ),
  cluster('en.basic-api', 'Does the Basic plan include API access?'),
  cluster('en.pro-phone', 'Does the Pro plan include phone support?'),
  cluster(
    'en.pro-users',
    'How many users can I add on the Pro plan?',
    'How many users can I add to the Pro plan?',
    'How many users does the Pro plan allow?',
  ),
  cluster('en.basic-users', 'How many users can I add on the Basic plan?'),
  cluster(
    'en.add-member',
    'How do I add a team member?',
    'How can I add a team member?',
    'How do I add someone to my team?',
  ),
  cluster('en.remove-member', 'How do I remove a team member?'),
  cluster(
    'en.cancel-subscription',
    'How do I cancel my subscription?',
    'How can I cancel my subscription?',
    "I'd like to stop my subscription, what do I do?",
  ),
  cluster('en.pause-subscription', 'How do I pause my subscription?'),
  cluster('en.renew-subscription', 'How do I renew my subscription?'),
  cluster('en.export-data', 'Can I export my data?', 'Is it possible to export my data?'),
  cluster('en.import-data', 'Can I import my data?'),
  cluster(
    'en.trial-length',
    'How long is the free trial?',
    'How long does the free trial last?',
    'How many days is the free trial?',
  ),

  // ---------------------------------------------------------------- English: shipping
  cluster(
    'en.ship-canada',
    'Do you ship to Canada?',
    'Do you deliver to Canada?',
    'Can I have my order shipped to Canada?',
  ),
  cluster(
    'en.ship-mexico',
    'Do you ship to Mexico?',
    'Do you also ship to Mexico?',
    'Is shipping to Mexico available?',
  ),
  cluster('en.ship-from-canada', 'Do you ship from Canada?', 'Are your orders shipped from Canada?'),
  cluster(
    'en.ship-time-canada',
    'How long does shipping to Canada take?',
    'How long does it take to ship to Canada?',
  ),
  cluster('en.free-shipping-canada', 'Do you offer free shipping to Canada?'),
  cluster('en.ship-ireland', 'Do you ship to Ireland?'),
  cluster('en.ship-iceland', 'Do you ship to Iceland?'),
  cluster('en.ship-austria', 'Do you ship to Austria?'),
  cluster('en.ship-australia', 'Do you ship to Australia?', 'Do you deliver to Australia?'),
  cluster(
    'en.shipping-time',
    'How long does shipping take?',
    'How long does shipping usually take?',
    'How many days does delivery take?',
  ),
  cluster(
    'en.shipping-cost',
    'How much does shipping cost?',
    'How much is shipping?',
    'What are your shipping costs?',
  ),
  cluster(
    'en.express-cost',
    'How much does express shipping cost?',
    'How much is express shipping?',
    "What's the price for express shipping?",
  ),
  cluster('en.express-time', 'How long does express shipping take?'),
  cluster('en.standard-cost', 'How much does standard shipping cost?'),
  cluster(
    'en.free-shipping',
    'Do you offer free shipping?',
    'Do you have free shipping?',
    'Is shipping free?',
  ),
  cluster(
    'en.free-shipping-50',
    'Is shipping free on orders over $50?',
    'Do orders over $50 get free shipping?',
  ),
  cluster('en.free-shipping-75', 'Is shipping free on orders over $75?'),
  cluster(
    'en.track-order',
    'How do I track my order?',
    'How can I track my order?',
    'Where can I find the tracking number for my order?',
  ),
  cluster('en.order-status', 'Where is my order?', "Where's my order?", 'Can you tell me where my order is?'),
  cluster(
    'en.order-status-12345',
    'Where is my order #12345?',
    "Where's my order 12345?",
    'Can you check the status of order #12345?',
  ),
  cluster('en.order-status-12346', 'Where is my order #12346?'),
  cluster(
    'en.damaged',
    'My package arrived damaged, what should I do?',
    'My package arrived damaged. What should I do?',
    'What should I do if my package arrives damaged?',
  ),
  cluster(
    'en.never-arrived',
    'My package never arrived, what should I do?',
    'My package has not arrived, what should I do?',
  ),
  cluster('en.arrived-late', 'My package arrived late, what should I do?'),
  cluster(
    'en.wrong-size',
    'I received the wrong size, what should I do?',
    'I got the wrong size. What should I do?',
  ),
  cluster('en.wrong-color', 'I received the wrong color, what should I do?'),

  // ---------------------------------------------------------------- English: orders
  cluster(
    'en.cancel-order',
    'How do I cancel my order?',
    'How can I cancel my order?',
    'How can I cancel an order I just placed?',
  ),
  cluster('en.cancel-12345', 'Can I cancel order #12345?', 'Can I still cancel order 12345?'),
  cluster('en.cancel-12354', 'Can I cancel order #12354?'),
  cluster(
    'en.cancel-after-shipped',
    'Can I cancel my order after it has shipped?',
    'Can I still cancel my order after it has been shipped?',
  ),
  cluster('en.cancel-before-shipped', 'Can I cancel my order before it has shipped?'),
  cluster(
    'en.change-shipping-address',
    'How do I change the shipping address on my order?',
    'How can I change the shipping address on my order?',
    'How do I update the delivery address for my order?',
  ),

  // ---------------------------------------------------------------- English: returns, refunds
  cluster(
    'en.return-policy',
    'What is your return policy?',
    "What's your return policy?",
    'Can you tell me about your return policy?',
  ),
  cluster(
    'en.return-item',
    'How do I return an item?',
    'How can I return an item?',
    'What do I need to do to send an item back?',
  ),
  cluster(
    'en.exchange-item',
    'How do I exchange an item?',
    'How can I exchange an item?',
    'What is the process for exchanging an item?',
  ),
  cluster('en.return-gift', 'How do I return a gift?', 'How can I return an item I received as a gift?'),
  cluster(
    'en.return-after-30',
    'Can I return an item after 30 days?',
    'Is it possible to return an item after 30 days?',
    'Can I still send something back after 30 days?',
  ),
  cluster('en.return-after-60', 'Can I return an item after 60 days?'),
  cluster('en.return-within-30', 'Can I return an item within 30 days?'),
  cluster(
    'en.return-sale',
    'Can I return a sale item?',
    'Can I return an item I bought on sale?',
    'Are sale items returnable?',
  ),
  cluster('en.return-used', 'Can I return a used item?'),
  cluster(
    'en.return-opened',
    'Can I return an opened item?',
    'Can I return an item that has been opened?',
    'Can I return something if I already opened it?',
  ),
  cluster('en.return-unopened', 'Can I return an unopened item?'),
  cluster('en.exchange-m-for-l', 'Can I exchange a medium for a large?', 'Can I swap a medium for a large?'),
  cluster('en.exchange-l-for-m', 'Can I exchange a large for a medium?'),
  cluster('en.free-returns', 'Do you offer free returns?', 'Are returns free?'),
  cluster(
    'en.refund-time',
    'How long does a refund take?',
    'How long do refunds take?',
    'How long does it take to get my money back?',
  ),
  cluster('en.exchange-time', 'How long does an exchange take?'),
  cluster(
    'en.refund-status',
    'Where is my refund?',
    "Where's my refund?",
    "I still haven't received my refund.",
  ),

  // ---------------------------------------------------------------- English: payments, invoices
  cluster(
    'en.payment-methods',
    'What payment methods do you accept?',
    'Which payment methods do you accept?',
    'What forms of payment do you take?',
  ),
  cluster('en.paypal', 'Do you accept PayPal?', 'Can I pay with PayPal?', 'Is PayPal accepted?'),
  cluster('en.apple-pay', 'Do you accept Apple Pay?', 'Can I pay with Apple Pay?'),
  cluster('en.amex', 'Do you accept American Express?'),
  cluster('en.pay-euros', 'Can I pay in euros?', 'Is it possible to pay in euros?'),
  cluster('en.pay-dollars', 'Can I pay in US dollars?'),
  cluster('en.installments', 'Can I pay in installments?', 'Do you offer payment in installments?'),
  cluster(
    'en.charged-4999',
    'Why was I charged $49.99?',
    'Why did I get charged $49.99?',
    'What is the $49.99 charge on my card?',
  ),
  cluster('en.charged-9499', 'Why was I charged $94.99?'),
  cluster('en.charged-twice', 'Why was I charged twice?', 'Why did I get charged twice?'),
  cluster(
    'en.invoice-download',
    'How do I download an invoice?',
    'How can I download my invoice?',
    'Where can I download my invoice?',
  ),
  cluster(
    'en.invoice-vat',
    'Can I add my VAT number to my invoice?',
    'Can I add a VAT number to the invoice?',
    'How do I get my VAT number on my invoice?',
  ),
  cluster('en.invoice-company', 'Can I add my company name to my invoice?'),
  cluster('en.invoice-email', 'Can you send me the invoice by email?', 'Could you email me the invoice?'),

  // ---------------------------------------------------------------- English: discounts
  cluster(
    'en.student-discount',
    'Do you offer a student discount?',
    'Is there a student discount?',
    'Do you have any discounts for students?',
  ),
  cluster('en.military-discount', 'Do you offer a military discount?'),
  cluster(
    'en.use-coupon',
    'How do I use a coupon code?',
    'How do I apply a coupon code?',
    'Where do I enter my coupon code?',
  ),
  cluster('en.get-coupon', 'How do I get a coupon code?'),
  cluster(
    'en.coupon-not-working',
    'Why is my coupon code not working?',
    "Why isn't my coupon code working?",
    "My coupon code doesn't work, why?",
  ),
  cluster('en.two-coupons', 'Can I use two coupons on one order?', 'Can I use 2 coupons on 1 order?'),
  cluster('en.three-coupons', 'Can I use three coupons on one order?'),
  cluster('en.coupon-gift-card', 'Can I use a coupon with a gift card?'),
  cluster(
    'en.coupon-sale',
    'Can I use a coupon on sale items?',
    'Can I use a coupon code on items that are on sale?',
  ),
  cluster(
    'en.price-match',
    'Do you price match?',
    'Do you offer price matching?',
    'Will you match a lower price?',
  ),
  cluster('en.gift-wrap', 'Do you offer gift wrapping?', 'Can I get my order gift wrapped?'),

  // ---------------------------------------------------------------- English: hours, contact
  cluster(
    'en.opening-hours',
    'What are your opening hours?',
    'What are your business hours?',
    'When are you open?',
  ),
  cluster(
    'en.hours-sunday',
    'What are your opening hours on Sunday?',
    'What are your opening hours on Sundays?',
  ),
  cluster('en.hours-saturday', 'What are your opening hours on Saturday?'),
  cluster('en.open-time', 'What time do you open?', 'What time do you open in the morning?'),
  cluster('en.close-time', 'What time do you close?'),
  cluster(
    'en.weekend-support',
    'Is customer support available on weekends?',
    'Is customer support available on the weekend?',
    'Can I reach customer support on weekends?',
  ),
  cluster('en.holiday-support', 'Is customer support available on holidays?'),
  cluster('en.call-me', 'Can you call me?', 'Could you give me a call?'),
  cluster('en.call-you', 'Can I call you?', 'Is there a number I can call?'),

  // ---------------------------------------------------------------- 中文：退换货、退款
  cluster('zh.return-how', '怎么退货？', '请问怎么退货', '退货要怎么操作？'),
  cluster('zh.return-flow', '退货流程是什么？', '退货的流程是什么'),
  cluster('zh.exchange-how', '怎么换货？', '请问如何换货？', '换货要怎么操作？'),
  cluster('zh.exchange-flow', '换货流程是什么？'),
  cluster('zh.refund-how', '怎么申请退款？', '如何申请退款？', '我想申请退款，要怎么操作？'),
  cluster('zh.refund-flow', '退款流程是什么？'),
  cluster('zh.refund-cancel', '怎么取消退款申请？', '退款申请可以撤销吗？'),
  cluster('zh.refund-time', '退款多久到账？', '退款要多久才能到账？', '退款一般几天能到账？'),
  cluster('zh.refund-late', '退款为什么还没到账？', '退款怎么还没到账？'),
  cluster('zh.refund-failed', '退款失败怎么办？'),
  cluster('zh.7day-return', '支持七天无理由退货吗？', '可以七天无理由退货吗？', '能7天无理由退货吗？'),
  cluster('zh.7day-exchange', '支持七天无理由换货吗？'),
  cluster('zh.15day-return', '支持十五天无理由退货吗？'),
  cluster('zh.return-fee-who', '退货运费谁出？', '退货的运费由谁承担？', '退货需要我自己付运费吗？'),
  cluster('zh.exchange-fee-who', '换货运费谁出？'),
  cluster('zh.return-free-ship', '退货包邮吗？'),
  cluster('zh.price-diff', '买贵了可以退差价吗？', '买贵了能退差价吗？', '降价了可以补差价吗？'),
  cluster('zh.price-diff-return', '买贵了可以退货吗？'),
  cluster('zh.size-m-to-l', '怎么把M码换成L码？', 'M码怎么换成L码？'),
  cluster('zh.size-l-to-m', '怎么把L码换成M码？'),
  cluster('zh.damaged', '收到的商品坏了怎么办？', '收到的东西坏了怎么办？', '收到货发现商品坏了怎么处理？'),
  cluster('zh.wrong-item', '收到的商品发错了怎么办？'),
  cluster('zh.missing-one', '收到的商品少了一件怎么办？', '收到的货少了一件怎么办？'),
  cluster('zh.extra-one', '收到的商品多了一件怎么办？'),
  cluster('zh.signed-not-received', '显示已签收但没收到货怎么办？', '物流显示已签收，但我没收到货怎么办？'),

  // ---------------------------------------------------------------- 中文：发货、物流
  cluster('zh.ship-when', '什么时候发货？', '下单后多久发货？', '一般多久能发货？'),
  cluster('zh.shipped-yet', '我的订单发货了吗？', '我的订单发货了没有？', '我的订单已经发货了吗？'),
  cluster('zh.signed-yet', '我的订单签收了吗？'),
  cluster('zh.ship-sf', '可以发顺丰吗？', '能发顺丰吗？', '可以用顺丰快递发货吗？'),
  cluster('zh.ship-jd', '可以发京东快递吗？'),
  cluster('zh.ship-not-sf', '可以不发顺丰吗？'),
  cluster('zh.ship-hk', '可以寄到香港吗？', '能寄到香港吗？', '香港可以配送吗？'),
  cluster('zh.ship-tw', '可以寄到台湾吗？'),
  cluster('zh.ship-hk-time', '寄到香港要多久？', '发到香港需要几天？'),
  cluster('zh.ship-hk-fee', '寄到香港运费多少？'),
  cluster('zh.ship-from-sh', '可以从上海发货吗？'),
  cluster('zh.ship-to-sh', '可以发货到上海吗？'),
  cluster('zh.free-shipping', '包邮吗？', '你们包不包邮？', '是否包邮？'),
  cluster('zh.free-ship-99', '满99包邮吗？', '满99元包邮吗？'),
  cluster('zh.free-ship-199', '满199包邮吗？'),
  cluster('zh.shipping-fee', '运费怎么算？', '运费是怎么计算的？', '邮费怎么算？'),
  cluster('zh.return-fee', '退货运费怎么算？'),
  cluster(
    'zh.order-20240518',
    '订单20240518到哪了？',
    '我的订单20240518到哪里了？',
    '帮我查一下订单20240518的物流',
  ),
  cluster('zh.order-20240519', '订单20240519到哪了？'),

  // ---------------------------------------------------------------- 中文：订单、地址
  cluster('zh.cancel-order', '怎么取消订单？', '订单怎么取消？', '如何取消订单？'),
  cluster('zh.delete-order', '怎么删除订单？'),
  cluster('zh.cancel-shipped', '已发货的订单怎么取消？', '订单已经发货了还能取消吗？'),
  cluster(
    'zh.address-before-ship',
    '下单后可以修改地址吗？',
    '下单后还能修改地址吗？',
    '已经下单了，地址还能改吗？',
  ),
  cluster('zh.address-after-ship', '发货后可以修改地址吗？'),
  cluster('zh.address-how', '怎么修改收货地址？', '收货地址怎么修改？', '如何修改收货地址？'),
  cluster('zh.invoice-address', '怎么修改发票地址？'),

  // ---------------------------------------------------------------- 中文：账号
  cluster('zh.change-phone', '怎么修改手机号？', '手机号怎么修改？', '如何更换绑定的手机号？'),
  cluster('zh.change-password', '怎么修改密码？', '密码怎么修改？', '如何修改登录密码？'),
  cluster('zh.reset-password', '怎么重置密码？', '密码怎么重置？'),
  cluster('zh.forgot-password', '忘记密码怎么办？', '密码忘了怎么办？', '忘记登录密码了怎么找回？'),
  cluster('zh.forgot-account', '忘记账号怎么办？'),
  cluster('zh.forgot-pay-password', '忘记支付密码怎么办？'),
  cluster('zh.delete-account', '怎么注销账号？', '账号怎么注销？', '如何注销账号？'),
  cluster('zh.register', '怎么注册账号？'),
  cluster('zh.2fa-on', '怎么开启两步验证？', '如何开启两步验证？', '两步验证怎么开启？'),
  cluster('zh.2fa-off', '怎么关闭两步验证？'),
  cluster('zh.add-member', '怎么添加团队成员？', '如何添加团队成员？', '团队成员怎么添加？'),
  cluster('zh.remove-member', '怎么删除团队成员？'),
  cluster('zh.pro-members', '专业版可以添加几个成员？', '专业版最多能加几个成员？'),
  cluster('zh.team-members', '团队版可以添加几个成员？'),
  cluster('zh.export', '数据可以导出吗？', '可以导出数据吗？', '能把数据导出来吗？'),
  cluster('zh.import', '数据可以导入吗？'),
  cluster('zh.trial', '试用期多久？', '免费试用期有多长？', '可以免费试用多久？'),
  cluster('zh.warranty', '保修期多久？', '保修期是多长时间？'),
  cluster('zh.shelf-life', '保质期多久？'),

  // ---------------------------------------------------------------- 中文：发票
  cluster('zh.invoice-how', '怎么开发票？', '发票怎么开？', '如何申请开发票？'),
  cluster('zh.receipt-how', '怎么开收据？'),
  cluster('zh.invoice-can', '可以开发票吗？', '能开发票吗？', '你们能不能开发票？'),
  cluster('zh.invoice-none', '可以不开发票吗？'),
  cluster('zh.vat-special', '可以开增值税专用发票吗？', '能开增值税专用发票吗？', '支持开增值税专用发票吗？'),
  cluster('zh.vat-normal', '可以开增值税普通发票吗？'),
  cluster('zh.e-invoice', '可以开电子发票吗？', '能开电子发票吗？'),
  cluster('zh.paper-invoice', '可以开纸质发票吗？'),
  cluster(
    'zh.invoice-title-wrong',
    '发票抬头开错了怎么办？',
    '发票抬头写错了怎么办？',
    '发票抬头开错了能重开吗？',
  ),
  cluster('zh.invoice-amount-wrong', '发票金额开错了怎么办？'),
  cluster('zh.invoice-company', '发票可以开公司抬头吗？', '发票能开公司抬头吗？'),
  cluster('zh.invoice-personal', '发票可以开个人抬头吗？'),

  // ---------------------------------------------------------------- 中文：会员、优惠券
  cluster('zh.member-benefits', '会员有什么权益？', '会员有哪些权益？', '成为会员有什么好处？'),
  cluster('zh.svip-benefits', '超级会员有什么权益？'),
  cluster('zh.member-join', '怎么开通会员？', '如何开通会员？', '会员怎么开通？'),
  cluster('zh.member-quit', '怎么取消会员？'),
  cluster('zh.auto-renew-off', '怎么取消会员自动续费？', '会员自动续费怎么取消？', '如何关闭会员自动续费？'),
  cluster('zh.auto-renew-on', '怎么开通会员自动续费？'),
  cluster('zh.member-year', '会员一年多少钱？', '会员一年要多少钱？', '年费会员多少钱？'),
  cluster('zh.member-month', '会员一个月多少钱？'),
  cluster('zh.coupon-use', '优惠券怎么用？', '优惠券怎么使用？', '如何使用优惠券？'),
  cluster('zh.coupon-get', '优惠券怎么领？', '在哪里领优惠券？'),
  cluster('zh.coupon-stack', '优惠券可以叠加使用吗？', '优惠券能叠加吗？', '多张优惠券可以一起用吗？'),
  cluster('zh.coupon-stack-member', '优惠券可以和会员折扣叠加使用吗？'),
  cluster('zh.coupon-expired', '优惠券过期了怎么办？', '优惠券过期了还能用吗？'),
  cluster('zh.coupon-broken', '优惠券用不了怎么办？', '优惠券为什么用不了？'),
  cluster('zh.coupon-300-50', '满300减50的优惠券怎么用？'),
  cluster('zh.coupon-300-30', '满300减30的优惠券怎么用？'),
  cluster('zh.coupon-any', '有没有优惠券？', '有优惠券吗？', '现在有什么优惠券吗？'),
  cluster('zh.coupon-none', '没有优惠券怎么办？'),
  cluster('zh.buy-two', '买两件可以打折吗？', '买两件能打折吗？', '买2件有折扣吗？'),
  cluster('zh.buy-three', '买三件可以打折吗？'),

  // ---------------------------------------------------------------- 中文：支付
  cluster('zh.pay-methods', '支持哪些支付方式？', '都支持什么支付方式？', '可以用哪些方式付款？'),
  cluster('zh.alipay', '可以用支付宝付款吗？', '能用支付宝付款吗？', '支持支付宝付款吗？'),
  cluster('zh.wechat-pay', '可以用微信付款吗？'),
  cluster('zh.alipay-refund', '可以退款到支付宝吗？'),
  cluster('zh.installment', '可以分期付款吗？', '支持分期付款吗？', '能分期吗？'),
  cluster('zh.cod', '可以货到付款吗？'),
  cluster('zh.installment-3', '分3期有手续费吗？', '分三期有没有手续费？'),
  cluster('zh.installment-12', '分12期有手续费吗？'),
  cluster('zh.pay-failed', '支付失败怎么办？', '付款失败了怎么办？'),
  cluster('zh.tax-included', '价格含税吗？', '价格是含税的吗？', '这个价格包含税费吗？'),
  cluster('zh.tax-excluded', '价格是不含税的吗？'),

  // ---------------------------------------------------------------- 中文：客服
  cluster('zh.cs-start', '客服几点上班？', '客服每天几点上班？', '人工客服几点开始上班？'),
  cluster('zh.cs-end', '客服几点下班？'),
  cluster('zh.cs-weekend', '周末有客服吗？', '周末客服上班吗？', '周末有人工客服吗？'),
  cluster('zh.cs-holiday', '节假日有客服吗？'),
  cluster('zh.cs-saturday', '周六有客服吗？'),
  cluster('zh.cs-sunday', '周日有客服吗？'),
  cluster('zh.call-me', '你们能给我打电话吗？', '可以给我回个电话吗？'),
  cluster('zh.call-you', '我能给你们打电话吗？'),

  // ---------------------------------------------------------------- English: the other side of near misses
  cluster('en.reset-pin', 'How do I reset my PIN?'),
  cluster('en.reset-without-email', 'How do I reset my password without access to my email?'),
  cluster('en.change-phone', 'How do I change my phone number?', 'How can I update my phone number?'),
  cluster('en.deactivate-account', 'How do I deactivate my account?'),
  cluster('en.create-business-account', 'How do I create a business account?'),
  cluster(
    'en.remove-payment-method',
    'How do I remove a payment method?',
    'How do I delete a payment method?',
    'How can I remove a saved card from my account?',
  ),
  cluster('en.add-payment-method', 'How do I add a payment method?', 'How can I add a new payment method?'),
  cluster('en.upgrade-annual', 'How do I upgrade to the annual plan?'),
  cluster('en.pro-projects', 'How many projects can I create on the Pro plan?'),
  cluster('en.pro-sso', 'Does the Pro plan include SSO?'),
  cluster('en.notifications-on', 'How do I turn on email notifications?'),
  cluster(
    'en.notifications-off',
    'How do I turn off email notifications?',
    'How can I turn off email notifications?',
  ),
  cluster('en.warranty', 'How long is the warranty?', 'How long does the warranty last?'),
  cluster('en.cancel-trial', 'How do I cancel my free trial?'),
  cluster('en.cancel-return', 'How do I cancel my return?'),
  cluster('en.track-return', 'How do I track my return?', 'How can I track my return?'),
  cluster('en.return-status-12345', 'Where is my return #12345?'),
  cluster('en.change-after-shipped', 'Can I change my order after it has shipped?'),
  cluster('en.change-billing-address', 'How do I change the billing address on my order?'),
  cluster('en.ship-time-mexico', 'How long does shipping to Mexico take?'),
  cluster('en.ship-new-mexico', 'Do you ship to New Mexico?'),
  cluster('en.ship-new-zealand', 'Do you ship to New Zealand?'),
  cluster('en.express-cost-canada', 'How much does express shipping to Canada cost?'),
  cluster('en.exchange-after-30', 'Can I exchange an item after 30 days?'),
  cluster('en.return-within-14', 'Can I return an item within 14 days?'),
  cluster('en.exchange-sale', 'Can I exchange a sale item?'),
  cluster('en.return-unused', 'Can I return an unused item?'),
  cluster('en.exchange-m-for-s', 'Can I exchange a medium for a small?'),
  cluster('en.refund-paypal-time', 'How long does a refund to PayPal take?'),
  cluster('en.refunded-4999', 'Why was I refunded $49.99?'),
  cluster('en.charged-three-times', 'Why was I charged three times?'),
  cluster('en.paypal-credit', 'Do you accept PayPal Credit?'),
  cluster('en.google-pay', 'Can I pay with Google Pay?', 'Do you accept Google Pay?'),
  cluster('en.pay-cash', 'Can I pay in cash?'),
  cluster('en.senior-discount', 'Do you offer a senior discount?'),
  cluster('en.student-plan', 'Do you offer a student plan?'),
  cluster(
    'en.one-coupon-two-orders',
    'Can I use one coupon on two orders?',
    'Can I use the same coupon on 2 orders?',
  ),
  cluster('en.download-receipt', 'How do I download a receipt?'),
  cluster('en.ordered-wrong-size', 'I ordered the wrong size, what should I do?'),
  cluster('en.stolen', 'My package was stolen, what should I do?'),
  cluster('en.hours-holidays', 'What are your opening hours on holidays?'),
  cluster('en.open-sunday', 'What time do you open on Sunday?'),
  cluster('en.phone-support-weekend', 'Is phone support available on weekends?'),
  cluster('en.support-247', 'Is customer support available 24/7?'),
  cluster('en.price-match-amazon', 'Do you price match Amazon?'),
  cluster('en.email-me', 'Can you email me?'),

  // ---------------------------------------------------------------- 中文：近似问题的另一边
  cluster('zh.change-recipient', '怎么修改收货人？'),
  cluster('zh.add-address', '怎么添加收货地址？', '如何添加收货地址？'),
  cluster('zh.change-email', '怎么修改邮箱？', '邮箱怎么修改？'),
  cluster('zh.change-pay-password', '怎么修改支付密码？'),
  cluster('zh.freeze-account', '怎么冻结账号？'),
  cluster('zh.ship-macau', '可以寄到澳门吗？'),
  cluster('zh.ship-from-hk', '可以从香港发货吗？'),
  cluster('zh.sf-cod', '可以发顺丰到付吗？'),
  cluster('zh.arrive-when', '什么时候到货？', '什么时候能到货？'),
  cluster('zh.presale-ship-when', '预售商品什么时候发货？'),
  cluster('zh.shipping-insurance', '运费险怎么算？'),
  cluster('zh.unsubscribe', '怎么退订？'),
  cluster('zh.after-sales', '怎么申请售后？', '如何申请售后？'),
  cluster('zh.withdraw-time', '提现多久到账？'),
  cluster('zh.invoice-later', '可以补开发票吗？'),
  cluster('zh.vat-special-how', '怎么开专票？'),
  cluster('zh.invoice-taxid-wrong', '发票税号开错了怎么办？'),
  cluster('zh.member-levels', '会员有什么等级？'),
  cluster('zh.member-upgrade', '怎么升级会员？'),
  cluster('zh.member-renew-year', '会员续费一年多少钱？'),
  cluster('zh.points-use', '积分怎么用？', '积分怎么使用？'),
  cluster('zh.coupon-transfer', '优惠券可以转让吗？'),
  cluster('zh.points-expired', '积分过期了怎么办？'),
  cluster('zh.gift-any', '有没有赠品？', '有赠品吗？'),
  cluster('zh.buy-two-free-ship', '买两件可以包邮吗？'),
  cluster('zh.credit-card', '可以用信用卡付款吗？', '能用信用卡付款吗？'),
  cluster('zh.ship-weekend', '周末发货吗？'),
  cluster('zh.sms-me', '你们能给我发短信吗？'),
  cluster('zh.fake', '收到的商品是假的怎么办？'),
  cluster('zh.change-item-after-order', '下单后可以修改商品吗？'),
  cluster('zh.return-20240518', '退货单20240518到哪了？'),
  cluster('zh.restore', '数据可以恢复吗？'),
  cluster('zh.pro-projects', '专业版可以创建几个项目？'),
  cluster('zh.notify-on', '怎么开启消息通知？'),
  cluster('zh.trial-extend', '试用期可以延长吗？'),
  cluster('zh.custom-7day', '定制商品支持七天无理由退货吗？'),
  cluster('zh.price-includes-shipping', '价格含运费吗？'),
  cluster('zh.password-stolen', '密码被盗了怎么办？'),
  cluster('zh.refund-arrived', '我的退款到账了吗？', '退款到账了吗？'),
  cluster('zh.receipt-company', '收据可以开公司抬头吗？'),
  cluster('zh.e-invoice-download', '电子发票怎么下载？', '电子发票在哪里下载？'),
  cluster('zh.cs-phone', '客服电话是多少？', '客服电话多少？'),
  cluster('zh.complaint-phone', '投诉电话是多少？'),
  cluster('zh.one-coupon-two-orders', '一张优惠券可以用两次吗？'),
  cluster('zh.two-coupons-one-order', '一个订单可以用两张优惠券吗？'),
];

const BASE_HARD_NEGATIVES: readonly HardNegative[] = [
  // ---------------------------------------------------------------- English
  neg(
    'How do I reset my password?',
    'How do I change my password?',
    'reset (forgotten) vs change (logged in)',
  ),
  neg('How do I reset my password?', 'How do I change my email address?', 'password vs email'),
  neg('How do I change my password?', 'How do I change my email address?', 'password vs email'),
  neg('How do I change my email address?', 'How do I verify my email address?', 'change vs verify'),
  neg(
    'How do I change my email address?',
    'How do I change the shipping address on my order?',
    'email address vs shipping address',
  ),
  neg('How do I delete my account?', 'How do I create an account?', 'delete vs create'),
  neg(
    'Do I need an account to place an order?',
    'Do I need an account to leave a review?',
    'order vs review',
  ),
  neg(
    'How do I turn on two-factor authentication?',
    'How do I turn off two-factor authentication?',
    'on vs off',
  ),
  neg('How do I upgrade to the Pro plan?', 'How do I upgrade to the Business plan?', 'Pro vs Business'),
  neg('How do I upgrade to the Pro plan?', 'How do I downgrade from the Pro plan?', 'upgrade vs downgrade'),
  neg('Does the Pro plan include API access?', 'Does the Basic plan include API access?', 'Pro vs Basic'),
  neg('Does the Pro plan include API access?', 'Does the Pro plan include phone support?', 'API vs phone'),
  neg(
    'How many users can I add on the Pro plan?',
    'How many users can I add on the Basic plan?',
    'Pro vs Basic',
  ),
  neg('How do I add a team member?', 'How do I remove a team member?', 'add vs remove'),
  neg('How do I cancel my subscription?', 'How do I pause my subscription?', 'cancel vs pause'),
  neg('How do I cancel my subscription?', 'How do I renew my subscription?', 'cancel vs renew'),
  neg('How do I cancel my subscription?', 'How do I cancel my order?', 'subscription vs order'),
  neg('Can I export my data?', 'Can I import my data?', 'export vs import'),
  neg('Do you ship to Canada?', 'Do you ship to Mexico?', 'Canada vs Mexico'),
  neg('Do you ship to Canada?', 'Do you ship from Canada?', 'to vs from'),
  neg('Do you ship to Canada?', 'How long does shipping to Canada take?', 'whether vs how long'),
  neg('Do you ship to Canada?', 'Do you offer free shipping to Canada?', 'shipping vs free shipping'),
  neg('Do you deliver to Canada?', 'Do you deliver to Australia?', 'Canada vs Australia'),
  neg('Do you ship to Ireland?', 'Do you ship to Iceland?', 'Ireland vs Iceland'),
  neg('Do you ship to Austria?', 'Do you ship to Australia?', 'Austria vs Australia'),
  neg('How long does shipping take?', 'How much does shipping cost?', 'time vs cost'),
  neg('How long does shipping take?', 'How long does express shipping take?', 'any vs express'),
  neg('How much does express shipping cost?', 'How much does standard shipping cost?', 'express vs standard'),
  neg('How much does express shipping cost?', 'How long does express shipping take?', 'cost vs time'),
  neg('Do you offer free shipping?', 'Do you offer free returns?', 'shipping vs returns'),
  neg('Is shipping free?', 'Is shipping free on orders over $50?', 'always vs above an amount'),
  neg('Is shipping free on orders over $50?', 'Is shipping free on orders over $75?', '$50 vs $75'),
  neg('Do you offer free shipping?', 'Do you offer free shipping to Canada?', 'anywhere vs Canada'),
  neg('How do I track my order?', 'How do I cancel my order?', 'track vs cancel'),
  neg('Where is my order?', 'Where is my refund?', 'order vs refund'),
  neg('Where is my order #12345?', 'Where is my order #12346?', 'order 12345 vs 12346'),
  neg("Where's my order 12345?", 'Where is my order #12346?', 'order 12345 vs 12346'),
  neg('Where is my order?', 'Where is my order #12345?', 'which order'),
  neg('Can I cancel order #12345?', 'Can I cancel order #12354?', 'order 12345 vs 12354'),
  neg('Can I cancel order #12345?', 'Can you check the status of order #12345?', 'cancel vs status'),
  neg(
    'Can I cancel my order after it has shipped?',
    'Can I cancel my order before it has shipped?',
    'after vs before',
  ),
  neg(
    'My package arrived damaged, what should I do?',
    'My package never arrived, what should I do?',
    'damaged vs never arrived',
  ),
  neg(
    'My package arrived damaged, what should I do?',
    'My package arrived late, what should I do?',
    'damaged vs late',
  ),
  neg(
    'I received the wrong size, what should I do?',
    'I received the wrong color, what should I do?',
    'size vs color',
  ),
  neg('How do I return an item?', 'How do I exchange an item?', 'return vs exchange'),
  neg('How can I return an item?', 'How can I exchange an item?', 'return vs exchange'),
  neg('How do I return an item?', 'How do I return a gift?', 'item vs gift'),
  neg('Can I return an item after 30 days?', 'Can I return an item after 60 days?', '30 vs 60 days'),
  neg('Can I return an item after 30 days?', 'Can I return an item within 30 days?', 'after vs within'),
  neg('Can I return a sale item?', 'Can I return a used item?', 'sale vs used'),
  neg('Can I return an opened item?', 'Can I return an unopened item?', 'opened vs unopened'),
  neg('Can I return an opened item?', 'Can I return a used item?', 'opened vs used'),
  neg(
    'Can I exchange a medium for a large?',
    'Can I exchange a large for a medium?',
    'direction of the exchange',
  ),
  neg('Do you offer free returns?', 'Is shipping free?', 'returns vs shipping'),
  neg('How long does a refund take?', 'How long does an exchange take?', 'refund vs exchange'),
  neg('How long does a refund take?', 'Where is my refund?', 'typical time vs this refund'),
  neg('Do you accept PayPal?', 'Do you accept Apple Pay?', 'PayPal vs Apple Pay'),
  neg('Do you accept PayPal?', 'Do you accept American Express?', 'PayPal vs Amex'),
  neg('Can I pay with PayPal?', 'Can I pay with Apple Pay?', 'PayPal vs Apple Pay'),
  neg('Can I pay in euros?', 'Can I pay in US dollars?', 'euros vs dollars'),
  neg('Can I pay in euros?', 'Can I pay in installments?', 'currency vs installments'),
  neg('Why was I charged $49.99?', 'Why was I charged $94.99?', '$49.99 vs $94.99'),
  neg('Why was I charged $49.99?', 'Why was I charged twice?', 'an amount vs a double charge'),
  neg('Can I pay with PayPal?', 'Can I pay in installments?', 'PayPal vs installments'),
  neg(
    'Can I add my VAT number to my invoice?',
    'Can I add my company name to my invoice?',
    'VAT number vs name',
  ),
  neg(
    'Can you send me the invoice by email?',
    'Can I add a VAT number to the invoice?',
    'email vs VAT number',
  ),
  neg('Do you offer a student discount?', 'Do you offer a military discount?', 'student vs military'),
  neg('How do I use a coupon code?', 'How do I get a coupon code?', 'use vs get'),
  neg('Can I use two coupons on one order?', 'Can I use three coupons on one order?', 'two vs three'),
  neg('Can I use a coupon with a gift card?', 'Can I use a coupon on sale items?', 'gift card vs sale items'),
  neg('How do I use a coupon code?', 'Why is my coupon code not working?', 'how vs why not'),
  neg('What are your opening hours?', 'What are your opening hours on Sunday?', 'every day vs Sunday'),
  neg(
    'What are your opening hours on Sunday?',
    'What are your opening hours on Saturday?',
    'Sunday vs Saturday',
  ),
  neg('What time do you open?', 'What time do you close?', 'open vs close'),
  neg(
    'Is customer support available on weekends?',
    'Is customer support available on holidays?',
    'weekends vs holidays',
  ),
  neg('Can you call me?', 'Can I call you?', 'who calls whom'),
  neg('Could you give me a call?', 'Is there a number I can call?', 'call me vs call you'),

  // ---------------------------------------------------------------- 中文
  neg('怎么退货？', '怎么换货？', '退货 vs 换货'),
  neg('请问怎么退货', '请问如何换货？', '退货 vs 换货'),
  neg('退货流程是什么？', '换货流程是什么？', '退货 vs 换货'),
  neg('退货流程是什么？', '退款流程是什么？', '退货 vs 退款'),
  neg('怎么申请退款？', '怎么取消退款申请？', '申请 vs 取消'),
  neg('怎么退货？', '怎么申请退款？', '退货 vs 退款'),
  neg('退款多久到账？', '退款为什么还没到账？', '多久 vs 为什么没到'),
  neg('支付失败怎么办？', '退款失败怎么办？', '支付 vs 退款'),
  neg('支持七天无理由退货吗？', '支持七天无理由换货吗？', '退货 vs 换货'),
  neg('支持七天无理由退货吗？', '支持十五天无理由退货吗？', '七天 vs 十五天'),
  neg('能7天无理由退货吗？', '支持十五天无理由退货吗？', '7 天 vs 十五天'),
  neg('退货运费谁出？', '换货运费谁出？', '退货 vs 换货'),
  neg('退货运费谁出？', '退货运费怎么算？', '谁出 vs 怎么算'),
  neg('买贵了可以退差价吗？', '买贵了可以退货吗？', '退差价 vs 退货'),
  neg('怎么把M码换成L码？', '怎么把L码换成M码？', '换的方向'),
  neg('收到的商品坏了怎么办？', '收到的商品发错了怎么办？', '坏了 vs 发错'),
  neg('收到的商品少了一件怎么办？', '收到的商品多了一件怎么办？', '少 vs 多'),
  neg('收到的商品少了一件怎么办？', '收到的商品坏了怎么办？', '少了 vs 坏了'),
  neg('什么时候发货？', '我的订单发货了吗？', '一般多久 vs 这单发了没有'),
  neg('我的订单发货了吗？', '我的订单签收了吗？', '发货 vs 签收'),
  neg('可以发顺丰吗？', '可以发京东快递吗？', '顺丰 vs 京东'),
  neg('可以发顺丰吗？', '可以不发顺丰吗？', '否定'),
  neg('可以寄到香港吗？', '可以寄到台湾吗？', '香港 vs 台湾'),
  neg('可以寄到香港吗？', '寄到香港要多久？', '能不能 vs 多久'),
  neg('可以寄到香港吗？', '寄到香港运费多少？', '能不能 vs 运费'),
  neg('寄到香港要多久？', '寄到香港运费多少？', '多久 vs 运费'),
  neg('可以从上海发货吗？', '可以发货到上海吗？', '从 vs 到'),
  neg('包邮吗？', '退货包邮吗？', '发货 vs 退货'),
  neg('满99包邮吗？', '满199包邮吗？', '99 vs 199'),
  neg('包邮吗？', '满99包邮吗？', '无门槛 vs 满 99'),
  neg('运费怎么算？', '退货运费怎么算？', '发货运费 vs 退货运费'),
  neg('订单20240518到哪了？', '订单20240519到哪了？', '订单号不同'),
  neg('我的订单20240518到哪里了？', '订单20240519到哪了？', '订单号不同'),
  neg('怎么取消订单？', '怎么删除订单？', '取消 vs 删除'),
  neg('怎么取消订单？', '已发货的订单怎么取消？', '任意 vs 已发货'),
  neg('下单后可以修改地址吗？', '发货后可以修改地址吗？', '下单后 vs 发货后'),
  neg('怎么修改收货地址？', '怎么修改发票地址？', '收货 vs 发票'),
  neg('怎么修改手机号？', '怎么修改密码？', '手机号 vs 密码'),
  neg('怎么修改密码？', '怎么重置密码？', '修改 vs 重置'),
  neg('忘记密码怎么办？', '忘记账号怎么办？', '密码 vs 账号'),
  neg('忘记密码怎么办？', '忘记支付密码怎么办？', '登录密码 vs 支付密码'),
  neg('怎么注销账号？', '怎么注册账号？', '注销 vs 注册'),
  neg('怎么开启两步验证？', '怎么关闭两步验证？', '开启 vs 关闭'),
  neg('怎么添加团队成员？', '怎么删除团队成员？', '添加 vs 删除'),
  neg('专业版可以添加几个成员？', '团队版可以添加几个成员？', '专业版 vs 团队版'),
  neg('数据可以导出吗？', '数据可以导入吗？', '导出 vs 导入'),
  neg('试用期多久？', '保修期多久？', '试用 vs 保修'),
  neg('保修期多久？', '保质期多久？', '保修 vs 保质'),
  neg('怎么开发票？', '怎么开收据？', '发票 vs 收据'),
  neg('可以开发票吗？', '可以不开发票吗？', '否定'),
  neg('可以开增值税专用发票吗？', '可以开增值税普通发票吗？', '专票 vs 普票'),
  neg('可以开电子发票吗？', '可以开纸质发票吗？', '电子 vs 纸质'),
  neg('发票抬头开错了怎么办？', '发票金额开错了怎么办？', '抬头 vs 金额'),
  neg('发票可以开公司抬头吗？', '发票可以开个人抬头吗？', '公司 vs 个人'),
  neg('会员有什么权益？', '超级会员有什么权益？', '会员 vs 超级会员'),
  neg('怎么开通会员？', '怎么取消会员？', '开通 vs 取消'),
  neg('怎么取消会员自动续费？', '怎么开通会员自动续费？', '取消 vs 开通'),
  neg('怎么取消会员？', '怎么取消会员自动续费？', '会员 vs 自动续费'),
  neg('会员一年多少钱？', '会员一个月多少钱？', '一年 vs 一个月'),
  neg('优惠券怎么用？', '优惠券怎么领？', '用 vs 领'),
  neg('优惠券可以叠加使用吗？', '优惠券可以和会员折扣叠加使用吗？', '券与券 vs 券与会员折扣'),
  neg('优惠券过期了怎么办？', '优惠券用不了怎么办？', '过期 vs 用不了'),
  neg('满300减50的优惠券怎么用？', '满300减30的优惠券怎么用？', '减 50 vs 减 30'),
  neg('有没有优惠券？', '没有优惠券怎么办？', '问有没有 vs 没有'),
  neg('买两件可以打折吗？', '买三件可以打折吗？', '两件 vs 三件'),
  neg('可以用支付宝付款吗？', '可以用微信付款吗？', '支付宝 vs 微信'),
  neg('可以用支付宝付款吗？', '可以退款到支付宝吗？', '付款 vs 退款'),
  neg('可以分期付款吗？', '可以货到付款吗？', '分期 vs 货到付款'),
  neg('分3期有手续费吗？', '分12期有手续费吗？', '3 期 vs 12 期'),
  neg('价格是含税的吗？', '价格是不含税的吗？', '含税 vs 不含税'),
  neg('客服几点上班？', '客服几点下班？', '上班 vs 下班'),
  neg('周末有客服吗？', '节假日有客服吗？', '周末 vs 节假日'),
  neg('周六有客服吗？', '周日有客服吗？', '周六 vs 周日'),
  neg('周末有客服吗？', '周六有客服吗？', '周末 vs 周六'),
  neg('你们能给我打电话吗？', '我能给你们打电话吗？', '谁给谁打'),

  // ---------------------------------------------------------------- English, second round
  neg('How do I reset my password?', 'How do I reset my PIN?', 'password vs PIN'),
  neg(
    'How do I reset my password?',
    'How do I reset my password without access to my email?',
    'usual reset vs without email',
  ),
  neg('How do I change my email address?', 'How do I change my phone number?', 'email vs phone'),
  neg('How do I delete my account?', 'How do I deactivate my account?', 'delete vs deactivate'),
  neg('How do I create an account?', 'How do I create a business account?', 'account vs business account'),
  neg('How do I delete my account?', 'How do I delete a payment method?', 'account vs payment method'),
  neg('How do I add a team member?', 'How do I add a payment method?', 'team member vs payment method'),
  neg('How do I remove a team member?', 'How do I remove a payment method?', 'team member vs payment method'),
  neg('How do I add a payment method?', 'How do I remove a payment method?', 'add vs remove'),
  neg('How do I upgrade to the Pro plan?', 'How do I upgrade to the annual plan?', 'Pro vs annual'),
  neg(
    'How many users can I add on the Pro plan?',
    'How many projects can I create on the Pro plan?',
    'users vs projects',
  ),
  neg('Does the Pro plan include API access?', 'Does the Pro plan include SSO?', 'API vs SSO'),
  neg(
    'How do I turn on two-factor authentication?',
    'How do I turn on email notifications?',
    '2FA vs notifications',
  ),
  neg('How do I turn on email notifications?', 'How do I turn off email notifications?', 'on vs off'),
  neg('How long is the free trial?', 'How long is the warranty?', 'trial vs warranty'),
  neg('How do I cancel my subscription?', 'How do I cancel my free trial?', 'subscription vs trial'),
  neg('How do I cancel my order?', 'How do I cancel my return?', 'order vs return'),
  neg('How do I track my order?', 'How do I track my return?', 'order vs return'),
  neg('Where is my order #12345?', 'Where is my return #12345?', 'order vs return'),
  neg(
    'Can I cancel my order after it has shipped?',
    'Can I change my order after it has shipped?',
    'cancel vs change',
  ),
  neg(
    'How do I change the shipping address on my order?',
    'How do I change the billing address on my order?',
    'shipping vs billing address',
  ),
  neg('How long does shipping to Canada take?', 'How long does shipping to Mexico take?', 'Canada vs Mexico'),
  neg('Do you ship to Mexico?', 'Do you ship to New Mexico?', 'Mexico vs New Mexico'),
  neg('Do you ship to Australia?', 'Do you ship to New Zealand?', 'Australia vs New Zealand'),
  neg(
    'How much does express shipping cost?',
    'How much does express shipping to Canada cost?',
    'anywhere vs Canada',
  ),
  neg('Can I return an item after 30 days?', 'Can I exchange an item after 30 days?', 'return vs exchange'),
  neg('Can I return an item within 30 days?', 'Can I return an item within 14 days?', '30 vs 14 days'),
  neg('Can I return a sale item?', 'Can I exchange a sale item?', 'return vs exchange'),
  neg('Can I return a used item?', 'Can I return an unused item?', 'used vs unused'),
  neg('Can I exchange a medium for a large?', 'Can I exchange a medium for a small?', 'large vs small'),
  neg('How long does a refund take?', 'How long does a refund to PayPal take?', 'any vs to PayPal'),
  neg('Why was I charged $49.99?', 'Why was I refunded $49.99?', 'charged vs refunded'),
  neg('Why was I charged twice?', 'Why was I charged three times?', 'twice vs three times'),
  neg('Do you accept PayPal?', 'Do you accept PayPal Credit?', 'PayPal vs PayPal Credit'),
  neg('Can I pay with Apple Pay?', 'Can I pay with Google Pay?', 'Apple Pay vs Google Pay'),
  neg('Can I pay in installments?', 'Can I pay in cash?', 'installments vs cash'),
  neg('Do you offer a student discount?', 'Do you offer a senior discount?', 'student vs senior'),
  neg('Do you offer a student discount?', 'Do you offer a student plan?', 'discount vs plan'),
  neg('Can I use two coupons on one order?', 'Can I use one coupon on two orders?', 'which one is two'),
  neg('Can I use 2 coupons on 1 order?', 'Can I use the same coupon on 2 orders?', 'stacking vs reuse'),
  neg('How do I download an invoice?', 'How do I download a receipt?', 'invoice vs receipt'),
  neg(
    'I received the wrong size, what should I do?',
    'I ordered the wrong size, what should I do?',
    'our mistake vs yours',
  ),
  neg(
    'My package arrived damaged, what should I do?',
    'My package was stolen, what should I do?',
    'damaged vs stolen',
  ),
  neg('What are your opening hours?', 'What are your opening hours on holidays?', 'every day vs holidays'),
  neg('What time do you open?', 'What time do you open on Sunday?', 'every day vs Sunday'),
  neg(
    'Is customer support available on weekends?',
    'Is phone support available on weekends?',
    'customer vs phone support',
  ),
  neg(
    'Is customer support available on weekends?',
    'Is customer support available 24/7?',
    'weekends vs 24/7',
  ),
  neg('Do you price match?', 'Do you price match Amazon?', 'in general vs Amazon'),
  neg('Can you call me?', 'Can you email me?', 'call vs email'),

  // ---------------------------------------------------------------- 中文，第二轮
  neg('怎么修改收货地址？', '怎么修改收货人？', '地址 vs 收货人'),
  neg('怎么修改收货地址？', '怎么添加收货地址？', '修改 vs 添加'),
  neg('怎么修改手机号？', '怎么修改邮箱？', '手机号 vs 邮箱'),
  neg('怎么修改密码？', '怎么修改支付密码？', '登录密码 vs 支付密码'),
  neg('怎么注销账号？', '怎么冻结账号？', '注销 vs 冻结'),
  neg('可以寄到香港吗？', '可以寄到澳门吗？', '香港 vs 澳门'),
  neg('可以寄到香港吗？', '可以从香港发货吗？', '寄到 vs 从...发'),
  neg('可以发顺丰吗？', '可以发顺丰到付吗？', '寄付 vs 到付'),
  neg('什么时候发货？', '什么时候到货？', '发货 vs 到货'),
  neg('什么时候发货？', '预售商品什么时候发货？', '一般 vs 预售'),
  neg('运费怎么算？', '运费险怎么算？', '运费 vs 运费险'),
  neg('怎么退货？', '怎么退订？', '退货 vs 退订'),
  neg('怎么申请退款？', '怎么申请售后？', '退款 vs 售后'),
  neg('退款多久到账？', '提现多久到账？', '退款 vs 提现'),
  neg('可以开发票吗？', '可以补开发票吗？', '开 vs 补开'),
  neg('怎么开发票？', '怎么开专票？', '发票 vs 专票'),
  neg('发票抬头开错了怎么办？', '发票税号开错了怎么办？', '抬头 vs 税号'),
  neg('会员有什么权益？', '会员有什么等级？', '权益 vs 等级'),
  neg('怎么开通会员？', '怎么升级会员？', '开通 vs 升级'),
  neg('会员一年多少钱？', '会员续费一年多少钱？', '开通 vs 续费'),
  neg('优惠券怎么用？', '积分怎么用？', '优惠券 vs 积分'),
  neg('优惠券可以叠加使用吗？', '优惠券可以转让吗？', '叠加 vs 转让'),
  neg('优惠券过期了怎么办？', '积分过期了怎么办？', '优惠券 vs 积分'),
  neg('有没有优惠券？', '有没有赠品？', '优惠券 vs 赠品'),
  neg('买两件可以打折吗？', '买两件可以包邮吗？', '打折 vs 包邮'),
  neg('可以用支付宝付款吗？', '可以用信用卡付款吗？', '支付宝 vs 信用卡'),
  neg('周末有客服吗？', '周末发货吗？', '客服 vs 发货'),
  neg('你们能给我打电话吗？', '你们能给我发短信吗？', '电话 vs 短信'),
  neg('收到的商品坏了怎么办？', '收到的商品是假的怎么办？', '坏了 vs 假的'),
  neg('下单后可以修改地址吗？', '下单后可以修改商品吗？', '地址 vs 商品'),
  neg('订单20240518到哪了？', '退货单20240518到哪了？', '订单 vs 退货单'),
  neg('数据可以导出吗？', '数据可以恢复吗？', '导出 vs 恢复'),
  neg('专业版可以添加几个成员？', '专业版可以创建几个项目？', '成员 vs 项目'),
  neg('怎么开启两步验证？', '怎么开启消息通知？', '两步验证 vs 通知'),
  neg('试用期多久？', '试用期可以延长吗？', '多久 vs 延长'),
  neg('支持七天无理由退货吗？', '定制商品支持七天无理由退货吗？', '一般 vs 定制商品'),
  neg('价格含税吗？', '价格含运费吗？', '税 vs 运费'),
  neg('忘记密码怎么办？', '密码被盗了怎么办？', '忘记 vs 被盗'),
  neg('我的订单发货了吗？', '我的退款到账了吗？', '发货 vs 退款'),
  neg('发票可以开公司抬头吗？', '收据可以开公司抬头吗？', '发票 vs 收据'),
  neg('可以开电子发票吗？', '电子发票怎么下载？', '能不能开 vs 怎么下载'),
  neg('客服电话是多少？', '投诉电话是多少？', '客服 vs 投诉'),
  neg('一张优惠券可以用两次吗？', '一个订单可以用两张优惠券吗？', '一券两用 vs 一单两券'),
  neg('怎么开发票？', '电子发票怎么下载？', '开 vs 下载'),
  neg('可以用信用卡付款吗？', '可以分期付款吗？', '信用卡 vs 分期'),
];

/**
 * Held-out rounds: pairs written after the guards were designed, each round measured once before any
 * change (threshold 0, i.e. guards only). First-run wrong hits: round 1 4/40 (which clause is
 * negated, "my husband's order", 先用后付, 送给朋友), round 2 3/28 ("than", "instead of", 积分换优惠券),
 * round 3 3/24 (things swapped around a verb: "an account with several admins"), round 4 4/18
 * (tense: "did I" vs "do I", 发货了吗 vs 发货吗); each led to a general rule in question-profile.ts.
 * Round 5: 0/23, no change. They now serve as regression data: `[a, b, same]`.
 */
const HELD_OUT: readonly (readonly [string, string, boolean])[] = [
  // round 1
  ['Can I return shoes I wore outside?', 'Can I return shoes I wore inside?', false],
  ['Is there a fee to cancel my subscription?', 'Is there a fee to pause my subscription?', false],
  ['How do I get a refund for a late delivery?', 'How do I get a refund for a damaged delivery?', false],
  ['Can I change my username?', 'Can I change my password?', false],
  ['Is the sale price valid online?', 'Is the sale price valid in store?', false],
  ['How much is shipping to Texas?', 'How much is shipping from Texas?', false],
  ['Can I switch from monthly to yearly billing?', 'Can I switch from yearly to monthly billing?', false],
  ['Why was my card declined?', 'Why was my card charged?', false],
  ['Is my order insured?', 'Is my order tracked?', false],
  ['Can I pick up my order in store?', 'Can I return my order in store?', false],
  ['Do you sell gift cards?', 'Do you accept gift cards?', false],
  ['Can I buy a gift card for someone else?', 'Can I use a gift card for someone else?', false],
  ['What is the minimum order for free shipping?', 'What is the minimum order for wholesale pricing?', false],
  ['Is the discount applied before tax?', 'Is the discount applied after tax?', false],
  ['Does the price include VAT?', 'Does the price include shipping?', false],
  [
    'Can I get an invoice for an order I placed last year?',
    'Can I get an invoice for an order I placed last month?',
    false,
  ],
  ['Why is my account locked?', 'Why is my account suspended?', false],
  [
    'Can I have my order delivered to a different address?',
    'Can I have my order delivered to a pickup point?',
    false,
  ],
  [
    'Is it safe to use my credit card on your site?',
    'Is it safe to save my credit card on your site?',
    false,
  ],
  ['My refund was less than I paid, why?', 'My refund was more than I paid, why?', false],
  ['I was charged but the order was not placed', 'I was not charged but the order was placed', false],
  ['Can my husband pick up my order?', "Can I pick up my husband's order?", false],
  ['Do you ship to the UK?', 'Do you ship to the US?', false],
  ['可以开发票到公司邮箱吗？', '可以开发票到个人邮箱吗？', false],
  ['定金可以退吗？', '尾款可以退吗？', false],
  ['运费可以退吗？', '运费可以免吗？', false],
  ['下单后多久可以退款？', '收货后多久可以退款？', false],
  ['为什么我的订单被取消了？', '为什么我的订单没有被取消？', false],
  ['快递丢了怎么办？', '快递慢了怎么办？', false],
  ['可以先用后付吗？', '可以先付后用吗？', false],
  ['买一送一吗？', '买二送一吗？', false],
  ['退货要寄到哪里？', '换货要寄到哪里？', false],
  ['可以把优惠券送给朋友吗？', '朋友可以把优惠券送给我吗？', false],
  ['客服电话是多少？', '客服微信是多少？', false],
  ['可以延迟发货吗？', '可以提前发货吗？', false],
  ['账号被封了怎么办？', '账号被盗了怎么办？', false],
  ['充值的钱可以退吗？', '充值的钱可以提现吗？', false],
  ['发票可以开到下个月吗？', '发票可以开到上个月吗？', false],
  ['可以开两张发票吗？', '可以开一张发票吗？', false],
  ['订单拆成两个包裹发吗？', '两个订单合成一个包裹发吗？', false],
  ['How do I cancel my subscription?', 'how do i cancel my subscription??', true],
  ['Can I return shoes I wore outside?', 'Can I return shoes that I wore outside?', true],
  ['Why was my card declined?', 'Why did my card get declined?', true],
  ['Do you sell gift cards?', 'Do you guys sell gift cards?', true],
  ['Is the discount applied before tax?', 'Is the discount applied before taxes?', true],
  ['How much is shipping to Texas?', 'How much does shipping to Texas cost?', true],
  ['Why is my account locked?', 'Why has my account been locked?', true],
  ['Can I pick up my order in store?', 'Can I pick my order up in the store?', true],
  ['What is the minimum order for free shipping?', "What's the minimum order for free shipping?", true],
  ['Does the price include VAT?', 'Is VAT included in the price?', true],
  ['定金可以退吗？', '定金能退吗？', true],
  ['快递丢了怎么办？', '快递丢了该怎么办？', true],
  ['可以延迟发货吗？', '能延迟发货吗？', true],
  ['账号被封了怎么办？', '我的账号被封了怎么办？', true],
  ['客服电话是多少？', '客服的电话是多少？', true],
  ['运费可以退吗？', '运费能退吗？', true],
  ['充值的钱可以退吗？', '充值的钱能退吗？', true],
  ['退货要寄到哪里？', '退货寄到哪里？', true],
  ['可以开两张发票吗？', '能开两张发票吗？', true],
  ['下单后多久可以退款？', '下单以后多久能退款？', true],
  // round 2
  ['Can I return an item I bought with a coupon?', 'Can I use a coupon on an item I returned?', false],
  [
    'Will I be charged if I cancel before the trial ends?',
    'Will I be charged if I cancel after the trial ends?',
    false,
  ],
  ['Is the refund sent to my card or my PayPal?', 'Is the payment taken from my card or my PayPal?', false],
  ['Do you ship internationally?', 'Do you ship domestically?', false],
  [
    'My order shows delivered but I did not receive it',
    'My order shows not delivered but I received it',
    false,
  ],
  ['Can I get a refund instead of store credit?', 'Can I get store credit instead of a refund?', false],
  ['Is shipping cheaper than pickup?', 'Is pickup cheaper than shipping?', false],
  [
    'Why did the price go up after I added it to the cart?',
    'Why did the price go down after I added it to the cart?',
    false,
  ],
  ['Can I change the size of my order?', 'Can I change the color of my order?', false],
  ['How do I merge two accounts?', 'How do I split one account into two?', false],
  ['Is the warranty transferable to a new owner?', 'Is the warranty refundable?', false],
  ['Do you charge a restocking fee?', 'Do you charge a cancellation fee?', false],
  ['Can my order be shipped to my office?', 'Can my order be shipped from my office?', false],
  ['Do I pay import duties or do you?', 'Do you pay import duties or do I?', false],
  ['退款退到哪里？', '退货退到哪里？', false],
  ['积分可以换优惠券吗？', '优惠券可以换积分吗？', false],
  ['商品降价了可以退差价吗？', '商品涨价了需要补差价吗？', false],
  ['包裹显示已发货但没有物流信息', '包裹显示没有发货但有物流信息', false],
  ['会员价和活动价可以同时享受吗？', '会员价和优惠券可以同时享受吗？', false],
  ['为什么扣了两次款？', '为什么退了两次款？', false],
  ['能帮我把订单改成自提吗？', '能帮我把自提改成快递吗？', false],
  ['我给朋友买的礼物可以退吗？', '朋友给我买的礼物可以退吗？', false],
  ['订单可以先发货后付款吗？', '订单可以先付款后发货吗？', false],
  ['发票比订单金额多了怎么办？', '发票比订单金额少了怎么办？', false],
  ['晚上几点前下单当天发货？', '晚上几点后下单次日发货？', false],
  ['香港的订单可以寄到深圳吗？', '深圳的订单可以寄到香港吗？', false],
  ['不满意可以退吗？', '满意可以退吗？', false],
  ['可以用美元付款吗？', '可以用港币付款吗？', false],
  ['Do you ship internationally?', 'Do you offer international shipping?', true],
  ['Do you charge a restocking fee?', 'Is there a restocking fee?', true],
  ['Can I change the size of my order?', 'Can I change the size on my order?', true],
  ['Is the warranty transferable to a new owner?', 'Can the warranty be transferred to a new owner?', true],
  ['How do I merge two accounts?', 'How can I merge 2 accounts?', true],
  [
    'Will I be charged if I cancel before the trial ends?',
    'If I cancel before the trial ends, will I be charged?',
    true,
  ],
  ['Can my order be shipped to my office?', 'Can you ship my order to my office?', true],
  ['退款退到哪里？', '退款会退到哪里？', true],
  ['为什么扣了两次款？', '为什么扣了2次款？', true],
  ['不满意可以退吗？', '不满意能退吗？', true],
  ['可以用美元付款吗？', '能用美元付款吗？', true],
  ['积分可以换优惠券吗？', '积分能换优惠券吗？', true],
  ['会员价和活动价可以同时享受吗？', '会员价和活动价能同时享受吗？', true],
  ['订单可以先发货后付款吗？', '订单能先发货后付款吗？', true],
  ['香港的订单可以寄到深圳吗？', '香港的订单能寄到深圳吗？', true],
  // round 3
  ['Can I return a gift without the receipt?', 'Can I return a gift with the receipt?', false],
  ['Do you deliver on public holidays?', 'Do you deliver on weekdays?', false],
  ['How many items can I return at once?', 'How many items can I order at once?', false],
  [
    'Can I add items to an order that has already shipped?',
    'Can I remove items from an order that has already shipped?',
    false,
  ],
  [
    'Is the monthly plan cheaper than the annual plan?',
    'Is the annual plan cheaper than the monthly plan?',
    false,
  ],
  ['Can I send the gift directly to my friend?', 'Can my friend send the gift directly to me?', false],
  ['Why was my order split into two packages?', 'Why were my two orders combined into one package?', false],
  ['I paid with PayPal but received a card receipt', 'I paid by card but received a PayPal receipt', false],
  ['Does the discount apply to shipping?', 'Does the discount apply to taxes?', false],
  ['Can a business account have several admins?', 'Can an admin have several business accounts?', false],
  ['When does my subscription renew?', 'When does my subscription expire?', false],
  ['Do you price match your own website?', 'Do you price match other websites?', false],
  ['企业账号可以有几个管理员？', '管理员可以有几个企业账号？', false],
  ['退货地址在哪里？', '发货地址在哪里？', false],
  ['为什么订单被拆成两个包裹？', '为什么两个订单被合成一个包裹？', false],
  ['用微信付的钱退到支付宝可以吗？', '用支付宝付的钱退到微信可以吗？', false],
  ['预售商品可以用优惠券吗？', '优惠券可以买预售商品吗？', false],
  ['会员到期后积分会清零吗？', '积分到期后会员会取消吗？', false],
  ['能开发票给公司吗？', '公司能开发票给我吗？', false],
  ['商品有质量问题怎么退？', '商品没有质量问题能退吗？', false],
  ['同一个地址可以下几单？', '同一个订单可以填几个地址？', false],
  ['首单有优惠吗？', '第二单有优惠吗？', false],
  ['直播间买的可以退吗？', '官网买的可以退吗？', false],
  ['满减和优惠券哪个先扣？', '满减和优惠券哪个后扣？', false],
  ['Can I return a gift without the receipt?', 'Can I return a gift without a receipt?', true],
  ['How many items can I return at once?', 'How many items can I return at one time?', true],
  ['When does my subscription renew?', 'When will my subscription renew?', true],
  ['Does the discount apply to shipping?', 'Does the discount also apply to shipping?', true],
  [
    'Is the monthly plan cheaper than the annual plan?',
    'Is the monthly plan cheaper than the annual one?',
    true,
  ],
  ['退货地址在哪里？', '退货地址在哪？', true],
  ['首单有优惠吗？', '首单有没有优惠？', true],
  ['直播间买的可以退吗？', '直播间买的能退吗？', true],
  ['商品有质量问题怎么退？', '商品有质量问题要怎么退？', true],
  ['满减和优惠券哪个先扣？', '满减和优惠券先扣哪个？', true],
  // round 4
  ['Has my refund been processed?', 'Will my refund be processed?', false],
  ['Do I get a discount?', 'Did I get a discount?', false],
  ['Can I only pay by card?', 'Can I pay by card?', false],
  ['Can I order again?', 'Can I order?', false],
  ['Do you have it in blue?', 'Do you have it in red?', false],
  ['Why is my order late?', 'Why is my order early?', false],
  ['Can I change my order before it ships?', 'Can I change my order once it ships?', false],
  ["Can I pay for someone else's order?", 'Can someone else pay for my order?', false],
  ['How much did I pay for shipping?', 'How much do I pay for shipping?', false],
  ['今天发货吗？', '今天发货了吗？', false],
  ['我已经付款了，怎么还没发货？', '我还没付款，怎么已经发货了？', false],
  ['优惠券都用完了怎么办？', '优惠券用不完怎么办？', false],
  ['要开发票吗？', '可以开发票吗？', false],
  ['退款到账了吗？', '退款多久到账？', false],
  ['定金能退吗？', '定金不能退吗？', false],
  ['买了就降价了怎么办？', '买了没降价怎么办？', false],
  ['地址只能改一次吗？', '地址能改几次？', false],
  ['为什么只退了一半？', '为什么退了一半？', false],
  ['Has my refund been processed?', 'Has my refund been processed yet?', true],
  ['How much do I pay for shipping?', 'How much will I pay for shipping?', true],
  ['Can I order again?', 'Can I place the order again?', true],
  ['Why is my order late?', 'Why is my order so late?', true],
  ['今天发货吗？', '今天能发货吗？', true],
  ['定金能退吗？', '定金可以退吗？', true],
  ['退款到账了吗？', '退款已经到账了吗？', true],
  ['为什么只退了一半？', '为什么只退了一半的钱？', true],
  // round 5
  ['Can I get a refund if I lost the receipt?', 'Can I get a refund if I kept the receipt?', false],
  ['Do you ship orders on the same day?', 'Do you ship orders on the next day?', false],
  ['Can I reuse a coupon code?', 'Can I use a coupon code?', false],
  ['How do I unsubscribe from emails?', 'How do I subscribe to emails?', false],
  ['Can I return it after opening?', 'Can I open it after returning?', false],
  ['My friend gave me a gift card, can I use it?', 'I gave my friend a gift card, can they use it?', false],
  ['How do I log out of all devices?', 'How do I log in on all devices?', false],
  ['Can I sign in with Google?', 'Can I sign up with Google?', false],
  ["Why can't I log in?", 'Why can I log in?', false],
  ['Is my payment information stored?', 'Is my payment information shared?', false],
  ['Do you sell refurbished phones?', 'Do you buy refurbished phones?', false],
  [
    'Can I return items bought in the US to a store in Canada?',
    'Can I return items bought in Canada to a store in the US?',
    false,
  ],
  ['能用京东E卡付款吗？', '能用京东白条付款吗？', false],
  ['退货后优惠券会退回吗？', '退款后优惠券会作废吗？', false],
  ['为什么不能用积分？', '为什么不能用优惠券？', false],
  ['订单能合并发货吗？', '订单能拆分发货吗？', false],
  ['可以先试用再买吗？', '可以先买再试用吗？', false],
  ['淘宝买的能在官网退吗？', '官网买的能在淘宝退吗？', false],
  ['发票能开明细吗？', '发票能开大类吗？', false],
  ['商品可以寄到公司吗？', '商品可以从公司寄出吗？', false],
  ['一件也包邮吗？', '两件才包邮吗？', false],
  ['退款会原路返回吗？', '退款不会原路返回吗？', false],
  ['怎么查看发票？', '怎么查看订单？', false],
  ['How do I unsubscribe from emails?', 'How can I unsubscribe from emails?', true],
  ["Why can't I log in?", 'Why am I not able to log in?', true],
  ['Do you sell refurbished phones?', 'Do you sell refurbished phones too?', true],
  ['订单能合并发货吗？', '订单可以合并发货吗？', true],
  ['为什么不能用积分？', '积分为什么不能用？', true],
  ['怎么查看发票？', '发票怎么查看？', true],
  ['退款会原路返回吗？', '退款是原路返回吗？', true],
];

/** Adds the held-out rows: paraphrases join (or form) a cluster, every other question gets its own. */
function withHeldOut(): { clusters: QuestionCluster[]; negatives: HardNegative[] } {
  const clusters = BASE_CLUSTERS.map((c) => ({ ...c, questions: [...c.questions] }));
  const owner = new Map<string, { id: string; lang: QuestionLang; questions: string[] }>();
  for (const c of clusters) for (const q of c.questions) owner.set(q, c);
  const ensure = (q: string, sibling?: string) => {
    const existing = owner.get(q) ?? (sibling === undefined ? undefined : owner.get(sibling));
    if (existing !== undefined) {
      if (!existing.questions.includes(q)) existing.questions.push(q);
      owner.set(q, existing);
      return;
    }
    const lang: QuestionLang = /\p{Script=Han}/u.test(q) ? 'zh' : 'en';
    const created = { id: `held.${lang}.${clusters.length}`, lang, questions: [q] };
    clusters.push(created);
    owner.set(q, created);
  };
  const negatives: HardNegative[] = [];
  for (const [a, b, same] of HELD_OUT) {
    if (same) {
      ensure(a, b);
      ensure(b, a);
      if (owner.get(a) !== owner.get(b)) throw new Error(`held-out paraphrases in two clusters: ${a} / ${b}`);
    } else {
      ensure(a);
      ensure(b);
      negatives.push(neg(a, b, 'held-out'));
    }
  }
  return { clusters, negatives };
}

const HELD = withHeldOut();
export const QUESTION_CLUSTERS: readonly QuestionCluster[] = HELD.clusters;
export const HARD_NEGATIVES: readonly HardNegative[] = [...BASE_HARD_NEGATIVES, ...HELD.negatives];

/** Every distinct question → the id of its cluster. */
export const CLUSTER_OF: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const c of QUESTION_CLUSTERS) {
    for (const q of c.questions) {
      const previous = map.get(q);
      if (previous !== undefined) throw new Error(`"${q}" is in both ${previous} and ${c.id}`);
      map.set(q, c.id);
    }
  }
  return map;
})();

function derivePairs(): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  const langOf = new Map(QUESTION_CLUSTERS.map((c) => [c.id, c.lang]));
  for (const c of QUESTION_CLUSTERS) {
    for (let i = 0; i < c.questions.length; i++) {
      for (let j = i + 1; j < c.questions.length; j++) {
        pairs.push({ a: c.questions[i]!, b: c.questions[j]!, same: true, lang: c.lang });
      }
    }
  }
  for (const n of HARD_NEGATIVES) {
    const ca = CLUSTER_OF.get(n.a);
    const cb = CLUSTER_OF.get(n.b);
    if (ca === undefined || cb === undefined)
      throw new Error(`hard negative outside the clusters: ${n.a} / ${n.b}`);
    if (ca === cb) throw new Error(`hard negative inside one cluster: ${n.a} / ${n.b}`);
    pairs.push({ a: n.a, b: n.b, same: false, lang: langOf.get(ca)! });
  }
  return pairs;
}

/** The labelled pairs: paraphrases (`same: true`) and hard negatives (`same: false`). */
export const LABELLED_PAIRS: readonly LabelledPair[] = derivePairs();
