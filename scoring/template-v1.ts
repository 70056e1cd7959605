// Version 1 of the quality table (服务质量情况表), as data.
//
// Source: 广西税务 2025 运维服务招标文件, 附件3 (seed 002, lines 4993-5039, tab-separated rows;
// structured in /work/shared/domain/seed-002-extract.md section 1). Names, descriptions
// (指标描述) and scoring standards (评分标准) are copied verbatim, including the seed's mixed
// half-width/full-width punctuation; only the PDF line-wrap spaces inside the 分类 and
// 指标名称 cells (e.g. "资源 配备", "人员到位 情况") are removed, and cells split across a page
// break (items 7, 12, 18, 21) are joined.
//
// Category: the 分类 cell is merged and printed only on the first row of each group, so it is
// carried down (items 13-18 → 信息安全). For 28-33 we keep the literal reading: the label
// 系统使用体验 covers 28-29 and 罚则条款 (printed on row 30, after a page break) covers 30-33,
// even though 30-31 are user ratings like 28-29 and may originally have belonged to
// 系统使用体验.
//
// Rules: one per deduction clause of the 评分标准, in the text's order. Items 28-31 are 1-5
// user ratings with step (级差) × 5 = max points. Only items 8 and 23 say 扣完为止 (explicitCap);
// every item is still capped at its max by the scorer.
import type { TemplateDefinition } from './template';

export const TEMPLATE_V1: TemplateDefinition = {
  version: 1,
  name: '税务信息化运维服务质量情况表（第1版，依据广西税务2025年招标文件附件3）',
  source: 'seed 002 L4993-L5039',
  items: [
    {
      number: 1,
      category: '资源配备',
      name: '人员到位情况',
      description: '信息化服务商按照合同约定配备人员数量是否达到局方要求。',
      maxPoints: '3',
      criteria: '配置人员数量符合合同约定或满足工作需求的，不扣分，数量未达到合同约定或不满足工作需求的，每少一人扣0.3分。',
      rules: [
        { code: '1a', kind: 'per_unit', points: '0.3', unit: '人', description: '数量未达到合同约定或不满足工作需求，每少一人', wholeUnits: true },
      ],
    },
    {
      number: 2,
      category: '资源配备',
      name: '人员素质情况',
      description: '信息化服务商按照合同约定配备人员能力是否达到局方要求。',
      maxPoints: '3',
      criteria: '人员具备相关管理和技能水平，符合合同要求的，不扣分，人员能力不符合合同约定要求的，每人扣0.3分。',
      rules: [
        { code: '2a', kind: 'per_unit', points: '0.3', unit: '人', description: '人员能力不符合合同约定要求，每人', wholeUnits: true },
      ],
    },
    {
      number: 3,
      category: '资源配备',
      name: '工作衔接情况',
      description: '人员发生变动后，新人能力是否胜任该岗位工作、工作交接是否影响正常运维工作。',
      maxPoints: '3',
      criteria: '因人员变动影响正常运维工作，每次扣0.3分。',
      rules: [
        { code: '3a', kind: 'per_unit', points: '0.3', unit: '次', description: '因人员变动影响正常运维工作，每次', wholeUnits: true },
      ],
    },
    {
      number: 4,
      category: '工作质效',
      name: '运维处理时效',
      description: '运维项目是否按照局方规定的运维时效完成。',
      maxPoints: '4',
      criteria: '按项目的合同约定或局方相关运维管理办法规定时效进行打分，每超时效1次扣0.1分。',
      rules: [
        { code: '4a', kind: 'per_unit', points: '0.1', unit: '次', description: '每超时效1次', wholeUnits: true },
      ],
    },
    {
      number: 5,
      category: '工作质效',
      name: '巡检要求及问题处理',
      description: '系统巡检是否按照规定的频次完成，发现问题是否及时处理。',
      maxPoints: '5',
      criteria: '每缺少一次巡检次数扣0.5分，每缺少一项巡检内容扣0.1分，巡检发现问题未及时处理扣0.1分。',
      rules: [
        { code: '5a', kind: 'per_unit', points: '0.5', unit: '次', description: '每缺少一次巡检次数', wholeUnits: true },
        { code: '5b', kind: 'per_unit', points: '0.1', unit: '项', description: '每缺少一项巡检内容', wholeUnits: true },
        { code: '5c', kind: 'per_unit', points: '0.1', unit: '次', description: '巡检发现问题未及时处理', wholeUnits: true },
      ],
    },
    {
      number: 6,
      category: '工作质效',
      name: '系统升级',
      description: '系统升级按时、完整完成，有问题及时反馈。',
      maxPoints: '3',
      criteria: '未按时、完整进行系统升级，每次扣0.1分；系统升级后有问题未能及时向上反馈、解决的，每次扣0.1分。',
      rules: [
        { code: '6a', kind: 'per_unit', points: '0.1', unit: '次', description: '未按时、完整进行系统升级，每次', wholeUnits: true },
        { code: '6b', kind: 'per_unit', points: '0.1', unit: '次', description: '系统升级后有问题未能及时向上反馈、解决，每次', wholeUnits: true },
      ],
    },
    {
      number: 7,
      category: '工作质效',
      name: '版本质量',
      description: '系统版本质量是否符合要求。',
      maxPoints: '5',
      criteria: '由于发布版本（补丁）引发新问题的,且未能及时解决的,按次扣0.5分。',
      rules: [
        { code: '7a', kind: 'per_unit', points: '0.5', unit: '次', description: '发布版本（补丁）引发新问题且未能及时解决，按次', wholeUnits: true },
      ],
    },
    {
      number: 8,
      category: '工作质效',
      name: '应急情况处置',
      description: '信息化服务商所维护和保障的系统、资源出现应急情况时的处理情况。',
      maxPoints: '5',
      criteria: '未在合同约定或相关管理办法规定的时限内完成应急情况处置,扣0.4分,未按照规范步骤处置应急情况,每缺少一个步骤扣0.1分,扣完为止。',
      explicitCap: true,
      rules: [
        { code: '8a', kind: 'per_unit', points: '0.4', unit: '次', description: '未在规定时限内完成应急情况处置', wholeUnits: true },
        { code: '8b', kind: 'per_unit', points: '0.1', unit: '步', description: '未按照规范步骤处置应急情况，每缺少一个步骤', wholeUnits: true },
      ],
    },
    {
      number: 9,
      category: '工作质效',
      name: '报告制度情况',
      description: '是否按照合同约定的要求定期提交周报、月报、年报等报表、报告文档。',
      maxPoints: '4',
      criteria: '按照合同约定按时提交定期报表的不扣分,少提交一次扣0.1分。',
      rules: [
        { code: '9a', kind: 'per_unit', points: '0.1', unit: '次', description: '未按时提交定期报表，少提交一次', wholeUnits: true },
      ],
    },
    {
      number: 10,
      category: '工作质效',
      name: '系统运行故障',
      description: '由信息化服务商所维护和保障的系统、资源发生故障。',
      maxPoints: '4',
      criteria: '系统运行发生故障,未在合同约定或相关管理办法规定的时限内响应并排除故障的,每次扣0.1分。',
      rules: [
        { code: '10a', kind: 'per_unit', points: '0.1', unit: '次', description: '系统故障未在规定时限内响应并排除，每次', wholeUnits: true },
      ],
    },
    {
      number: 11,
      category: '信息安全',
      name: '知识产权保护',
      description: '项目人员是否遵守国家有关版权和知识产权保护的政策、法律、法规和制度。',
      maxPoints: '3',
      criteria: '对本项目中接触到的国家税务总局广西壮族自治区税务局所有的知识产权、商业秘密、技术成果等信息未履行保密义务的,每发现一次的扣0.5分。',
      rules: [
        { code: '11a', kind: 'per_unit', points: '0.5', unit: '次', description: '未履行保密义务，每发现一次', wholeUnits: true },
      ],
    },
    {
      number: 12,
      category: '信息安全',
      name: '系统安全漏洞',
      description: '由局方安全系统或第三方检测服务所发现的由信息化服务商所开发、维护和保障的系统中的安全漏洞(信息化服务商事前已发现并向局方报备,由于特殊原因暂时无法修复的除外)。',
      maxPoints: '3',
      criteria: '每检出一项扣0.3分。',
      rules: [
        { code: '12a', kind: 'per_unit', points: '0.3', unit: '项', description: '每检出一项安全漏洞', wholeUnits: true },
      ],
    },
    {
      number: 13,
      category: '信息安全',
      name: '内控机制制度',
      description: '信息化服务商在内部岗位设置、工作流程等方面制定了制约或控制制度。',
      maxPoints: '3',
      criteria: '建立了相关制度的,不扣分,未按局方要求制定相关制度的,每缺一项扣0.3分。',
      rules: [
        { code: '13a', kind: 'per_unit', points: '0.3', unit: '项', description: '未按局方要求制定相关制度，每缺一项', wholeUnits: true },
      ],
    },
    {
      number: 14,
      category: '信息安全',
      name: '内控机制执行',
      description: '信息化服务商在内部岗位设置、工作流程等制度的遵照执行情况。',
      maxPoints: '3',
      criteria: '按照制度规范执行的,不扣分,每违反一项扣0.3分。',
      rules: [
        { code: '14a', kind: 'per_unit', points: '0.3', unit: '项', description: '未按制度规范执行，每违反一项', wholeUnits: true },
      ],
    },
    {
      number: 15,
      category: '信息安全',
      name: '安全培训',
      description: '信息化服务商是否对运维人员进行安全培训,或在人员发生变化后是否对新进人员进行安全培训。',
      maxPoints: '3',
      criteria: '未进行安全培训,每少一次扣0.3分。',
      rules: [
        { code: '15a', kind: 'per_unit', points: '0.3', unit: '次', description: '未进行安全培训，每少一次', wholeUnits: true },
      ],
    },
    {
      number: 16,
      category: '信息安全',
      name: '安全协议',
      description: '信息化服务商及项目人员是否与局方签订了安全保密协议,是否向局方提供无犯罪记录证明。',
      maxPoints: '3',
      criteria: '未签订安全保密协议,每人扣0.2分,未提供无犯罪记录证明,每人扣0.2分。',
      rules: [
        { code: '16a', kind: 'per_unit', points: '0.2', unit: '人', description: '未签订安全保密协议，每人', wholeUnits: true },
        { code: '16b', kind: 'per_unit', points: '0.2', unit: '人', description: '未提供无犯罪记录证明，每人', wholeUnits: true },
      ],
    },
    {
      number: 17,
      category: '信息安全',
      name: '信息安全事故',
      description: '是否发生与运维工作相关的信息安全事故。如违规外联、违规进行数据运维等情况。',
      maxPoints: '2',
      criteria: '每发现一项扣1分。',
      rules: [
        { code: '17a', kind: 'per_unit', points: '1', unit: '项', description: '发生信息安全事故，每发现一项', wholeUnits: true },
      ],
    },
    {
      number: 18,
      category: '信息安全',
      name: '网络与数据安全',
      description: '是否要求项目人员在合同期间严格按局方的网络安全和数据安全相关规定开展工作。由于信息化服务商投入的项目人员网络安全工作落实不到位引发安全事件的,局方将视安全事件严重程度按合同总金额的20%~30%的比例进行扣减。',
      maxPoints: '3',
      criteria: '安全事件具体内容主要包括(但不限于)以下内容: (1)因补丁升级、漏洞修复、系统杀毒、数据备份等工作未落实到位,发生服务器被控制和应用系统被攻破的安全事件,被主管部门通报的。 (2) 因违规进行税费数据查询、导出和拷出等操作造成敏感数据泄漏,以及发生非法窃取数据行为。 (3) 因运维操作处置不当导致重要应用系统发生严重卡顿、停用的重大事件。 每发现一项扣0.5分。',
      rules: [
        { code: '18a', kind: 'per_unit', points: '0.5', unit: '项', description: '发生安全事件，每发现一项', wholeUnits: true },
      ],
    },
    {
      number: 19,
      category: '质量把控',
      name: '供应链厂商安全管理',
      description: '信息化服务商是否要求供应链厂商严格落实供应链安全管理各项规定,包括按照国家相关法律法规开展的安全审查、安全评估、渗透测试等,并将供应链厂商落实情况作为项目验收的检查内容。',
      maxPoints: '2',
      criteria: '每发现一项扣0.1分',
      rules: [
        { code: '19a', kind: 'per_unit', points: '0.1', unit: '项', description: '供应链厂商安全管理未落实，每发现一项', wholeUnits: true },
      ],
    },
    {
      number: 20,
      category: '质量把控',
      name: '供应链厂商协议履行',
      description: '是否要求供应链厂商严格遵守采购合同、协议、承诺书等文件中的安全相关条款。',
      maxPoints: '2',
      criteria: '对供应链厂商履行网络安全责任不到位、造成安全事件或产生不良影响的行为,每发生一次扣0.2分。',
      rules: [
        { code: '20a', kind: 'per_unit', points: '0.2', unit: '次', description: '供应链厂商履行网络安全责任不到位，每发生一次', wholeUnits: true },
      ],
    },
    {
      number: 21,
      category: '沟通交流',
      name: '培训指导',
      description: '信息化服务商是否按照合同约定开展相关培训,进行业务、技术指导。',
      maxPoints: '2',
      criteria: '按照合同约定对局方相关应用人员、运维人员、技术人员开展了培训指导的,不扣分;发生一次培训指导不到位的，扣0.2分。',
      rules: [
        { code: '21a', kind: 'per_unit', points: '0.2', unit: '次', description: '培训指导不到位，每发生一次', wholeUnits: true },
      ],
    },
    {
      number: 22,
      category: '沟通交流',
      name: '结果反馈',
      description: '对于工作任务的主动完成情况和结果反馈情况。',
      maxPoints: '2',
      criteria: '未完成工作任务，每次扣0.2分，未及时反馈结果，每次扣0.2分。',
      rules: [
        { code: '22a', kind: 'per_unit', points: '0.2', unit: '次', description: '未完成工作任务，每次', wholeUnits: true },
        { code: '22b', kind: 'per_unit', points: '0.2', unit: '次', description: '未及时反馈结果，每次', wholeUnits: true },
      ],
    },
    {
      number: 23,
      category: '沟通交流',
      name: '交流渠道',
      description: '信息化服务商人员与局方人员有畅通的交流渠道。',
      maxPoints: '2',
      criteria: '发生交流渠道不畅通情况的，每次扣0.2分，扣完为止。',
      explicitCap: true,
      rules: [
        { code: '23a', kind: 'per_unit', points: '0.2', unit: '次', description: '交流渠道不畅通，每次', wholeUnits: true },
      ],
    },
    {
      number: 24,
      category: '服务质量',
      name: '基本服务项目',
      description: '挂牌上岗、礼貌用语、环境卫生、仪表得体。',
      maxPoints: '2',
      criteria: '每有一次违反行为，扣0.2分。',
      rules: [
        { code: '24a', kind: 'per_unit', points: '0.2', unit: '次', description: '每有一次违反行为', wholeUnits: true },
      ],
    },
    {
      number: 25,
      category: '服务质量',
      name: '工作制度建立与执行',
      description: '信息化服务商是否建立完善的管理、业务、沟通等工作制度，并对各项制度落实执行。',
      maxPoints: '2',
      criteria: '建立了相关的工作制度，逐项落实的，不扣分，否则缺少一项扣0.1分，发现落实执行不到位的，每次扣0.1分。',
      rules: [
        { code: '25a', kind: 'per_unit', points: '0.1', unit: '项', description: '未建立相关工作制度，缺少一项', wholeUnits: true },
        { code: '25b', kind: 'per_unit', points: '0.1', unit: '次', description: '发现落实执行不到位，每次', wholeUnits: true },
      ],
    },
    {
      number: 26,
      category: '需求实现情况',
      name: '需求响应情况',
      description: '是否及时响应需求单位在合同范围内提出的业务需求。',
      maxPoints: '4',
      criteria: '在规定时限内及时响应并完成需求分析工作的，不扣分，未及时响应或未在规定时限内完成需求分析工作的，按次扣0.5分。',
      rules: [
        { code: '26a', kind: 'per_unit', points: '0.5', unit: '次', description: '未及时响应或未在规定时限内完成需求分析工作，按次', wholeUnits: true },
      ],
    },
    {
      number: 27,
      category: '需求实现情况',
      name: '其他任务配合',
      description: '配合完成局方安排的其他工作任务，如需求调研、现场保障等。',
      maxPoints: '2',
      criteria: '主动配合并按期完成的，不扣分；每少完成一次扣0.2分。',
      rules: [
        { code: '27a', kind: 'per_unit', points: '0.2', unit: '次', description: '未按期完成其他工作任务，每少完成一次', wholeUnits: true },
      ],
    },
    {
      number: 28,
      category: '系统使用体验',
      name: '功能界面',
      description: '信息系统的功能是否满足工作需要，界面是否友好。',
      maxPoints: '2',
      criteria: '系统使用体验好，操作流畅、界面友好，能满足工作需要，由系统用户按1-5级进行评估打分，每级级差0.4分。',
      rules: [
        { code: '28a', kind: 'rating', points: '0.4', unit: '级', description: '由系统用户按1-5级进行评估打分，每级级差0.4分', wholeUnits: true },
      ],
    },
    {
      number: 29,
      category: '系统使用体验',
      name: '服务态度',
      description: '是否对用户友好、耐心，是否积极与用户沟通。',
      maxPoints: '1',
      criteria: '对系统用户友好、耐心，积极与用户沟通，由系统用户按1-5级进行评估打分，每级级差0.2分。',
      rules: [
        { code: '29a', kind: 'rating', points: '0.2', unit: '级', description: '由系统用户按1-5级进行评估打分，每级级差0.2分', wholeUnits: true },
      ],
    },
    {
      number: 30,
      category: '罚则条款',
      name: '问题解决质量',
      description: '向用户提供的解决方案是否专业、有效,且能够符合用户的业务需要和系统特点。',
      maxPoints: '1',
      criteria: '提供解决方案专业、有效,且能够符合系统用户的业务需要和系统特点,由系统用户按1-5级进行评估打分,每级级差0.2分。',
      rules: [
        { code: '30a', kind: 'rating', points: '0.2', unit: '级', description: '由系统用户按1-5级进行评估打分，每级级差0.2分', wholeUnits: true },
      ],
    },
    {
      number: 31,
      category: '罚则条款',
      name: '投诉反馈处理',
      description: '收到来自纳税人或者局方的投诉举报,并经局方主管部门核实确认的,应及时处理。',
      maxPoints: '1',
      criteria: '由系统用户按1-5级进行评估打分,每级级差0.2分。',
      rules: [
        { code: '31a', kind: 'rating', points: '0.2', unit: '级', description: '由系统用户按1-5级进行评估打分，每级级差0.2分', wholeUnits: true },
      ],
    },
    {
      number: 32,
      category: '罚则条款',
      name: '问题排查',
      description: '项目建设和运维过程中,因系统在对接、运行等服务中,导致其他系统受到影响的,由信息化服务项目中标人负责组织相关服务厂商共同排查,明确问题根源、责任并报告采购人。',
      maxPoints: '2',
      criteria: '信息化服务项目中标人无法判定问题根源的,由中标人承担全部责任。按次扣0.2分',
      rules: [
        { code: '32a', kind: 'per_unit', points: '0.2', unit: '次', description: '无法判定问题根源，按次', wholeUnits: true },
      ],
    },
    {
      number: 33,
      category: '罚则条款',
      name: '现场服务',
      description: '如项目要求原厂技术人员到现场提供高级技术支持服务,应按时按质按人次完成。',
      maxPoints: '11',
      criteria: '若在服务期限内不能按合同提供相应人次的现场服务,按次扣1分。',
      rules: [
        { code: '33a', kind: 'per_unit', points: '1', unit: '人次', description: '不能按合同提供相应人次的现场服务，按次', wholeUnits: true },
      ],
    },
  ],
};
